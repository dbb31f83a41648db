"""Running a host in the foreground until cancelled: for tests, for the worker process, for ``exchange dev``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from emulator.app.deployment import load_deployment
from emulator.journal.store import Journal, default_journal_path
from emulator.runtime.host import Host, Runner
from emulator.triggers.queue import LEASE_S
from framework.storage import resolve_connection_string

#: How long a stopping host waits for in-flight invocations before leaving them to their leases.
DRAIN_TIMEOUT_S = 10.0

__all__ = ["DRAIN_TIMEOUT_S", "default_journal_path", "serve"]


async def serve(
    deployment_dir: Path,
    *,
    storage: str | None = None,
    database_url: str | None = None,
    journal_path: Path | None = None,
    runners: list[Runner] | None = None,
    drain_timeout: float = DRAIN_TIMEOUT_S,
    on_started: Callable[[Host], Awaitable[None] | None] | None = None,
    lease_s: float = LEASE_S,
) -> None:
    """Load, index and start the deployment's host, run until cancelled, then drain and stop it.

    ``storage`` defaults to the deployment's ``AzureWebJobsStorage`` (``UseDevelopmentStorage=true`` means
    Azurite's default ports), then to the environment's.

    Errors while loading or indexing (an :class:`~framework.errors.ExchangeError`) propagate before any queue is
    polled, so broken code never burns a dequeue. ``on_started`` is called once the host runs.
    """
    deployment = load_deployment(Path(deployment_dir))
    storage = resolve_connection_string(storage or deployment.local.values.get("AzureWebJobsStorage"))
    journal = Journal(journal_path or default_journal_path(deployment.path))
    host = Host(deployment, storage=storage, database_url=database_url, journal=journal, lease_s=lease_s)
    try:
        for runner in runners or []:
            host.add_runner(runner)
        await host.start()
        if on_started is not None:
            outcome = on_started(host)
            if outcome is not None:
                await outcome
        await asyncio.Event().wait()
    finally:
        try:
            await asyncio.shield(host.stop(drain_timeout))
        finally:
            journal.close()
