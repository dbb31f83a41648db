"""Run a deployment for development: Azurite, the supervisor, the state file, clean shutdown.

This is the library behind ``exchange dev``; the command only parses options and prints.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emulator import azurite, devstate
from emulator.deployment import load_deployment
from emulator.supervisor import DevOptions, Supervisor, state_for
from framework.storage import resolve_connection_string

DEFAULT_HTTP_PORT = 7071


def workspace_processors(deployment_dir: Path) -> list[Path]:
    """The shared ``processors/`` folder of the workspace around ``deployments/<name>/azure``, if there is one."""
    for parent in deployment_dir.resolve().parents:
        if (parent / "processors").is_dir() and (parent / "deployments").is_dir():
            return [parent / "processors"]
    return []


def worker_config(options: DevOptions, storage: str) -> dict[str, Any]:
    """What each worker is told to load."""
    return {
        "deployment_dir": str(options.deployment_dir),
        "storage": storage,
        "database_url": options.database_url,
        "journal_path": str(options.journal_path) if options.journal_path else None,
        "enable_auth": options.enable_auth,
        "lease_s": options.lease_s,
        "journal_keep": options.journal_keep,
        "runtime": options.runtime,
    }


def run_dev(
    options: DevOptions, say: Callable[[str], None], *, on_ready: Callable[[Supervisor], None] | None = None
) -> None:
    """Serve ``options.deployment_dir`` until SIGINT or SIGTERM (or ``Supervisor.shutdown``); everything started
    here is stopped on the way out. ``on_ready`` gets the supervisor once the host can be attached to.

    Run from another thread (the TUI owns the main one), it installs no signal handlers: stop it with
    ``shutdown()``.
    """
    options.deployment_dir = options.deployment_dir.resolve()
    deployment = load_deployment(options.deployment_dir)  # a broken host.json stops us before anything starts
    port = options.port or deployment.local.http_port or DEFAULT_HTTP_PORT
    options.watch_paths = options.watch_paths or workspace_processors(options.deployment_dir)
    managed: azurite.AzuriteProcess | None = None
    if options.storage:
        storage = resolve_connection_string(options.storage)
    else:
        endpoints, managed = azurite.ensure(options.deployment_dir)
        storage = endpoints.connection_string
        say(f"Azurite {'started' if managed else 'found'} on {endpoints.host}:{endpoints.queue_port}")
    supervisor = Supervisor(options, worker_config(options, storage), on_status=say)
    try:
        supervisor.bind(port)
    except BaseException:
        if managed is not None:
            managed.stop()
        raise
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
        say("stopped")
