"""Run a deployment for development: Azurite, the supervisor, the state file, clean shutdown.

This is the library behind ``exchange dev``; the command only parses options and prints.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from emulator import azurite
from emulator.app.deployment import load_deployment
from emulator.dev import state as devstate
from emulator.dev.supervisor import DevOptions, Supervisor, state_for
from emulator.runtime.config import WorkerConfig
from framework.errors import ConfigurationError
from framework.storage import resolve_connection_string

DEFAULT_HTTP_PORT = 7071


class UnsafeBindError(ConfigurationError):
    """``--bind`` to a network interface without keys and without ``--insecure``."""

    #: A bad combination of flags: the CLI answers with a usage error (exit 2).
    usage = True


def is_loopback(bind: str) -> bool:
    """True when ``bind`` is a loopback address (or ``localhost``); any other name or address may be reachable."""
    if bind.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(bind.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(bind: str, *, enable_auth: bool, insecure: bool) -> str | None:
    """Refuse to serve a non-loopback interface without keys unless the user says ``--insecure``; the warning to
    show when they did (None when there is nothing to warn about)."""
    if is_loopback(bind) or enable_auth:
        return None
    if not insecure:
        raise UnsafeBindError(
            f"--bind {bind} serves the HTTP functions and the admin endpoints (which run any function) beyond this "
            "machine, and without --enable-auth anyone who can reach it may call them",
            hint="add --enable-auth (keys: `exchange keys --show`), or --insecure if this network is trusted",
        )
    return f"warning: --bind {bind} --insecure: every function and the admin endpoints are open to the network"


def workspace_processors(deployment_dir: Path) -> list[Path]:
    """The shared ``processors/`` folder of the workspace around ``deployments/<name>/azure``, if there is one."""
    for parent in deployment_dir.resolve().parents:
        if (parent / "processors").is_dir() and (parent / "deployments").is_dir():
            return [parent / "processors"]
    return []


def worker_config(options: DevOptions, storage: str) -> WorkerConfig:
    """What each worker is told to load."""
    return WorkerConfig(
        deployment_dir=options.deployment_dir,
        storage=storage,
        database_url=options.database_url,
        journal_path=options.journal_path,
        journal_keep=options.journal_keep,
        lease_s=options.lease_s,
        engine=options.runtime,
        enable_auth=options.enable_auth,
        drain_timeout=options.drain_timeout,
    )


def storage_setting(options: DevOptions, settings: dict[str, str]) -> tuple[str, str | None]:
    """Where the storage setting comes from and its value: ``--storage``, else ``AzureWebJobsStorage`` as ``func
    start`` reads it (the environment first, then local.settings.json); None when none is set."""
    if options.storage:
        return "--storage", options.storage
    if os.environ.get("AzureWebJobsStorage", "").strip():
        return "AzureWebJobsStorage from the environment", os.environ["AzureWebJobsStorage"]
    if settings.get("AzureWebJobsStorage", "").strip():
        return "AzureWebJobsStorage in local.settings.json", settings["AzureWebJobsStorage"]
    return "--storage", None


def uses_azurite(value: str | None) -> bool:
    """True when the setting means Azurite on its default ports (unset, or ``UseDevelopmentStorage=true``)."""
    return not value or resolve_connection_string(value) == resolve_connection_string("UseDevelopmentStorage=true")


def choose_storage(
    options: DevOptions, settings: dict[str, str], say: Callable[[str], None]
) -> tuple[str, azurite.AzuriteProcess | None]:
    """The storage the host uses, said out loud: ``--storage``, else ``AzureWebJobsStorage`` as ``func start``
    reads it (the environment first, then local.settings.json), else Azurite on its default ports, started if
    none runs. Returns the connection string and the Azurite this call started (the caller stops it)."""
    from emulator.client.storage_errors import check_connection_string, endpoint_of

    source, value = storage_setting(options, settings)
    if not uses_azurite(value):
        if options.azurite is not None:  # launched in case: not needed after all
            options.azurite.stop()
        storage = check_connection_string(resolve_connection_string(value), source)
        say(f"storage: {endpoint_of(storage)} ({source}; --storage overrides it)")
        return storage, None
    endpoints, managed = azurite.ensure(options.deployment_dir, say=say, launched=options.azurite)
    why = f"{source} is UseDevelopmentStorage=true" if value else "AzureWebJobsStorage is not set"
    adopted = managed is not None and not managed.started_here
    how = "found" if managed is None else "adopted (its exchange dev was killed)" if adopted else "started"
    say(f"storage: Azurite {how} on {endpoints.host}:{endpoints.queue_port} ({why})")
    return endpoints.connection_string, managed


def _start(
    options: DevOptions, settings: dict[str, str], port: int, say: Callable[[str], None]
) -> tuple[Supervisor, str, azurite.AzuriteProcess | None]:
    """Take the HTTP port, then get the storage ready while the fork server and the first worker warm up (both
    take seconds on a busy machine; one after the other they made the wait for the first answer twice as long)."""
    supervisor = Supervisor(options, worker_config(options, ""), on_status=say)
    supervisor.bind(port)  # a taken port stops us before anything starts
    if uses_azurite(storage_setting(options, settings)[1]):  # the slow way: warm up meanwhile
        threading.Thread(target=supervisor.warm, name="warm", daemon=True).start()
    try:
        storage, managed = choose_storage(options, settings, say)
    except BaseException:
        supervisor.close()
        raise
    supervisor.config = replace(supervisor.config, storage=storage)  # the workers get it with their load command
    return supervisor, storage, managed


def run_dev(
    options: DevOptions, say: Callable[[str], None], *, on_ready: Callable[[Supervisor], None] | None = None
) -> None:
    """Serve ``options.deployment_dir`` until SIGINT or SIGTERM (or ``Supervisor.shutdown``); everything started
    here is stopped on the way out. ``on_ready`` gets the supervisor once the host can be attached to.

    Run from another thread (the TUI owns the main one), it installs no signal handlers: stop it with
    ``shutdown()``.
    """
    check_bind(options.bind, enable_auth=options.enable_auth, insecure=options.insecure)  # the CLI warned already
    options.deployment_dir = options.deployment_dir.resolve()
    deployment = load_deployment(options.deployment_dir)  # a broken host.json stops us before anything starts
    for warning in deployment.warnings:
        say(f"warning: {warning}")
    port = options.port or deployment.local.http_port or DEFAULT_HTTP_PORT
    options.watch_paths = options.watch_paths or workspace_processors(options.deployment_dir)
    devstate.private_dir(options.deployment_dir / ".exchange")  # journal, logs, keys, state: this user's only
    supervisor, storage, managed = _start(options, deployment.local.values, port, say)
    signals = (signal.SIGINT, signal.SIGTERM) if threading.current_thread() is threading.main_thread() else ()
    previous = {sig: signal.signal(sig, lambda *_: supervisor.shutdown()) for sig in signals}
    try:
        devstate.write(options.deployment_dir, state_for(options, storage, port, os.getpid()))
        say(f"serving {options.deployment_dir} - HTTP on http://{options.bind}:{port}/ - Ctrl-C stops")
        if on_ready is not None:
            on_ready(supervisor)
        supervisor.serve(port)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        devstate.clear(options.deployment_dir)
        if managed is not None:
            managed.stop()
            azurite.disown(options.deployment_dir)
        say("stopped")
