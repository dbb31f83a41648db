"""The one place a Host is assembled (:func:`build_host`) and run in the foreground until cancelled (:func:`serve`).

Every host is built here from one :class:`~emulator.runtime.config.WorkerConfig`: the supervised worker
(:mod:`emulator.dev.supervised`), the standalone worker (:mod:`emulator.dev.worker`) and the test host
(:mod:`emulator.testing.host`), so they cannot drift apart.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence

from emulator.app.deployment import load_deployment
from emulator.journal.store import Journal
from emulator.runtime.config import WorkerConfig
from emulator.runtime.host import Host, Runner
from emulator.triggers.blob.trigger import BlobTriggerRunner
from emulator.triggers.http.server import HttpOptions, HttpServer, build_routes
from emulator.triggers.timer import TimerRunner, check_schedules
from framework.storage import resolve_connection_string


def default_runners(config: WorkerConfig, http_sock: socket.socket | None) -> list[Runner]:
    """What a worker runs besides the queue pollers: timers, blob scans, and HTTP on ``http_sock`` if given."""
    runners: list[Runner] = [TimerRunner(), BlobTriggerRunner()]
    if http_sock is not None:
        runners.append(HttpServer(HttpOptions(sock=http_sock, enable_auth=config.enable_auth)))
    return runners


def build_host(
    config: WorkerConfig, *, http_sock: socket.socket | None = None, runners: Sequence[Runner] | None = None
) -> Host:
    """The deployment's host, indexed and with its runners, not started. Raises when the code does not load.

    ``runners`` None means :func:`default_runners`; a test passes its own (``[]``: queue pollers only). Indexing
    happens here, schedules and routes included, so that broken code fails before anything is polled.
    """
    deployment = load_deployment(config.deployment_dir)
    storage = resolve_connection_string(config.storage or deployment.local.values.get("AzureWebJobsStorage"))
    journal = Journal(config.journal_file, keep_entries=config.journal_keep)
    try:
        host = Host(
            deployment,
            storage=storage,
            database_url=config.database_url,
            journal=journal,
            lease_s=config.lease_s,
            runtime=config.engine,
        )
        check_schedules(deployment, host.functions)
        build_routes(host.functions, deployment.host.http.route_prefix)  # bad, reserved or conflicting routes
    except BaseException:
        journal.close()
        raise
    for runner in default_runners(config, http_sock) if runners is None else runners:
        host.add_runner(runner)
    return host


async def serve(
    config: WorkerConfig,
    *,
    http_sock: socket.socket | None = None,
    runners: Sequence[Runner] | None = None,
    on_started: Callable[[Host], Awaitable[None] | None] | None = None,
) -> None:
    """Build (:func:`build_host`) and start the host, run until cancelled, then drain (``config.drain_timeout``)
    and stop it. ``on_started`` is called once the host runs.

    Errors while loading or indexing (an :class:`~framework.errors.ExchangeError`) propagate before any queue is
    polled, so broken code never burns a dequeue.
    """
    host = build_host(config, http_sock=http_sock, runners=runners)
    try:
        await host.start()
        if on_started is not None:
            outcome = on_started(host)
            if outcome is not None:
                await outcome
        await asyncio.Event().wait()
    finally:
        try:
            await asyncio.shield(host.stop(config.drain_timeout))
        finally:
            if host.journal is not None:
                host.journal.close()
