"""``python -m emulator.dev.worker``: one host in its own process, standalone (for tests and tools).

``python -m emulator.dev.worker DEPLOYMENT_DIR --storage CONN`` prints one :mod:`emulator.dev.protocol` event per
line to stdout: :class:`~emulator.dev.protocol.Ready` when the host runs, or :class:`~emulator.dev.protocol.Error`
when loading fails (exit status 3); it logs to stderr, and on SIGTERM or SIGINT drains (bounded by
``--drain-timeout``), prints :class:`~emulator.dev.protocol.Stopped` and exits 0. ``--verbose`` adds the full
traceback of a loading error.

The worker ``exchange dev`` supervises is another entry point: ``python -m emulator.dev.supervised``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path
from typing import TextIO

from emulator.app.deployment import load_deployment
from emulator.app.indexing import IndexingError
from emulator.dev import protocol
from emulator.dev.log_thread import configure_logging
from emulator.dev.protocol import Error, Ready, Stopped
from emulator.runtime.config import DRAIN_TIMEOUT_S, WorkerConfig
from emulator.runtime.factory import serve
from emulator.runtime.host import Host, Runner
from emulator.triggers.blob.trigger import BlobTriggerRunner
from emulator.triggers.http.server import HttpOptions, HttpServer
from emulator.triggers.queue import LEASE_S
from emulator.triggers.timer import TimerRunner
from framework.errors import ExchangeError

EXIT_LOAD_ERROR = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emulator.dev.worker", description=__doc__)
    parser.add_argument("deployment", type=Path, help="the folder holding function_app.py")
    parser.add_argument("--storage", default=os.environ.get("AzureWebJobsStorage"), help="storage connection string")
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL given to the functions as DATABASE_URL")
    parser.add_argument("--journal", type=Path, default=None, help="journal file (default <deployment>/.exchange/)")
    parser.add_argument("--drain-timeout", type=float, default=DRAIN_TIMEOUT_S, help="seconds to finish in-flight work")
    parser.add_argument("--lease", type=float, default=LEASE_S, help="queue message lease in seconds")
    # HTTP functions and the admin endpoints are served only when asked: the supervisor owns the port (binds it
    # once, passes --http-fd), and a worker started bare (tests, tools) must not grab 7071.
    parser.add_argument("--http", action="store_true", help="serve HTTP on Host.LocalHttpPort (default 7071)")
    parser.add_argument("--port", type=int, default=None, help="serve HTTP on this port (0: any free port)")
    parser.add_argument("--http-fd", type=int, default=None, help="serve HTTP on this inherited listening socket")
    parser.add_argument("--http-host", default="127.0.0.1", help="interface to bind for HTTP (default 127.0.0.1)")
    parser.add_argument("--enable-auth", action="store_true", help="enforce function keys (.exchange/keys.json)")
    parser.add_argument("--verbose", action="store_true", help="log at DEBUG level")
    return parser


class EventLines:
    """The parent's channel: the process's original stdout, one encoded event per line. Functions' ``print()``
    output goes to stderr instead, with the logs, so it can never be mistaken for a protocol line."""

    def __init__(self) -> None:
        self._out: TextIO = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
        sys.stdout = sys.stderr

    def say(self, event: protocol.Event) -> None:
        """One event, flushed at once."""
        self._out.write(protocol.encode(event).decode())
        self._out.flush()


def config_from(args: argparse.Namespace, storage: str | None) -> WorkerConfig:
    """The host's config from the command line."""
    return WorkerConfig(
        deployment_dir=args.deployment,
        storage=storage,
        database_url=args.database_url,
        journal_path=args.journal,
        lease_s=args.lease,
        enable_auth=args.enable_auth,
        drain_timeout=args.drain_timeout,
    )


async def _main(args: argparse.Namespace, lines: EventLines) -> None:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)

    def ready(host: Host) -> None:
        base_url = http.base_url() if http is not None else None
        lines.say(Ready(pid=os.getpid(), functions=tuple(f.name for f in host.functions), http=base_url))

    from framework.storage import resolve_connection_string

    http = _http_server(args)
    runners: list[Runner] = [TimerRunner(), BlobTriggerRunner(), *([http] if http is not None else [])]
    with contextlib.suppress(asyncio.CancelledError):
        await serve(config_from(args, resolve_connection_string(args.storage)), runners=runners, on_started=ready)


def _http_server(args: argparse.Namespace) -> HttpServer | None:
    if not (args.http or args.port is not None or args.http_fd is not None):
        return None
    sock = socket.socket(fileno=args.http_fd) if args.http_fd is not None else None
    return HttpServer(HttpOptions(host=args.http_host, port=args.port, sock=sock, enable_auth=args.enable_auth))


def main(argv: list[str] | None = None) -> int:
    """Run the worker; the process exit status."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    lines = EventLines()
    configure_logging(args.verbose)
    try:
        args.deployment = args.deployment.resolve()
        os.chdir(args.deployment)  # as on Azure: the app root is the working directory
        if args.storage is None:  # neither --storage nor AzureWebJobsStorage: the deployment's own setting
            args.storage = load_deployment(args.deployment).local.values.get("AzureWebJobsStorage")
        asyncio.run(_main(args, lines))
    except ExchangeError as exc:
        details = exc.details if isinstance(exc, IndexingError) else ""
        lines.say(Error(type=type(exc).__name__, message=exc.message, hint=exc.hint, details=details))
        print(details if args.verbose and details else str(exc), file=sys.stderr)
        return EXIT_LOAD_ERROR
    lines.say(Stopped(pid=os.getpid()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
