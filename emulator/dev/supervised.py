"""``python -m emulator.dev.supervised``: a worker under ``exchange dev``, obeying warm / load / start / drain.

It starts with the heavy libraries imported and no user code (forked from :mod:`emulator.dev.forkserver`, or this
entry point, a fresh interpreter the supervisor starts where it cannot fork), says :class:`~emulator.dev.protocol.Ready`
on its control channel (commands and events: :mod:`emulator.dev.protocol`), then: ``warm`` opens the running
generation's queues ahead of a reload; ``load`` imports and indexes the deployment and opens its queues (nothing
is polled yet, so broken code burns no dequeue); ``start`` starts the queue pollers, timers and HTTP server;
``drain`` stops receiving, finishes in-flight work within the bound and exits. End of file on the control channel
(the supervisor died) and SIGTERM drain as well. SIGINT is left to the supervisor, which drains its workers in
order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import signal
import socket
import sys
import traceback
from typing import TYPE_CHECKING, Any

from emulator.dev import protocol
from emulator.dev.protocol import (
    Command,
    Drain,
    Drained,
    Event,
    Load,
    Loaded,
    LoadFailed,
    ProtocolError,
    Ready,
    Start,
    Started,
    StartFailed,
    Warm,
)
from emulator.runtime.config import WorkerConfig
from framework.errors import ExchangeError

if TYPE_CHECKING:
    from emulator.runtime.host import Host

log = logging.getLogger("exchange.dev")

#: Imported before user code is known, so that a reload pays only for the user's own modules.
WARM_IMPORTS = (
    "sqlalchemy.orm",
    "azure.functions",
    "azure.storage.queue.aio",
    "azure.storage.blob.aio",
    "azure.data.tables.aio",
    "aiohttp.web",
    "croniter",
    "framework",
    "framework.handler",
    "framework.services",
    "emulator.runtime.host",
    "emulator.runtime.factory",
    "emulator.triggers.http.server",
    "emulator.triggers.timer",
)


def warm_up() -> None:
    """Import what every deployment needs."""
    for name in WARM_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _describe_failure(error: BaseException) -> str:
    """What the user sees: an ExchangeError's message and hint (it names the file and line), never a traceback;
    anything else is exchange's own bug, shown with its traceback."""
    if isinstance(error, ExchangeError):
        return str(error)
    return "".join(traceback.format_exception(error, limit=-8))


def _journal_failure(config: WorkerConfig, event: str, error: BaseException) -> None:
    """Keep the whole traceback in the journal (``exchange messages``), where a screen has no room for it."""
    from emulator.journal.store import Journal, JournalError

    try:
        journal = Journal(config.journal_file)
    except JournalError:
        return  # the screen still shows what went wrong
    traceback_text = getattr(error, "details", "") or "".join(traceback.format_exception(error))
    journal.record("host.error", status=event, data={"error": str(error), "traceback": traceback_text})
    journal.close()


class Worker:
    """The worker's side of the control protocol."""

    def __init__(self, writer: asyncio.StreamWriter, http_sock: socket.socket | None) -> None:
        self._writer = writer
        self._http_sock = http_sock
        self._host: Host | None = None
        self._prepare_error: Exception | None = None
        self._warm_clients: dict[tuple[str, str], Any] = {}
        self._stopping = asyncio.Event()

    def say(self, event: Event) -> None:
        """Tell the supervisor something."""
        self._writer.write(protocol.encode(event))

    async def load(self, config: WorkerConfig) -> None:
        from emulator.runtime.factory import build_host

        try:
            # as on Azure: the app root is the working directory (relative paths, SQLite URLs), from the import on;
            # a process-wide change, so it is the worker's to make, not the factory's (a test host shares its process)
            os.chdir(config.deployment_dir)
            host = self._host = build_host(config, http_sock=self._http_sock)
        except BaseException as error:  # user code may raise anything at import time: report it, never die silently
            _journal_failure(config, "load_failed", error)
            self.say(LoadFailed(_describe_failure(error)))
            return
        try:  # open the queues now, while the old generation drains; a failure here is a start failure
            await host.prepare(self._warm_clients)
        except Exception as error:
            self._prepare_error = error
        await self._close_warm_clients()  # the ones the new code does not use
        functions = host.functions
        not_run = {fn.name: fn.not_run for fn in functions if fn.not_run is not None}
        self.say(Loaded(functions=tuple(fn.name for fn in functions), not_run=not_run))

    async def warm(self, queues: tuple[protocol.QueueRef, ...]) -> None:
        """Open clients on the current generation's queues (and create them if missing) before any code is
        loaded, so that a reload's load has no round trip to make for them."""
        from azure.core.exceptions import ResourceExistsError

        from emulator.runtime.storage import async_queue_client

        for conn, name in queues:
            client = async_queue_client(conn, name)
            try:
                with contextlib.suppress(ResourceExistsError):
                    await client.create_queue()
            except Exception:  # the queue service is away: the load will open (and report) it itself
                await client.close()
                continue
            self._warm_clients[(conn, name)] = client

    async def _close_warm_clients(self) -> None:
        clients, self._warm_clients = list(self._warm_clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):
                await client.close()

    async def start(self, host: Host) -> bool:
        """Start the triggers; on failure (storage unreachable, ...) say why, stop what started and return False."""
        try:
            if self._prepare_error is not None:
                raise self._prepare_error
            await host.start()
        except Exception as error:  # reported to the supervisor, which shows it; this worker then exits
            self.say(StartFailed(_describe_failure(error)))
            await self.drain(0.0)
            return False
        self.say(Started(queues=tuple((p.connection, p.queue) for p in host.pollers.values())))
        return True

    async def drain(self, timeout: float) -> None:
        await self._close_warm_clients()
        if self._host is not None:
            host, self._host = self._host, None
            try:
                await host.stop(timeout)
            finally:
                if host.journal is not None:
                    host.journal.close()
        self.say(Drained())
        with contextlib.suppress(OSError):
            await self._writer.drain()

    async def _next_command(self, reader: asyncio.StreamReader) -> Command | None:
        line_task = asyncio.ensure_future(reader.readline())
        stop_task = asyncio.ensure_future(self._stopping.wait())
        done, pending = await asyncio.wait({line_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if line_task not in done or not line_task.result():
            return None  # SIGTERM, or the supervisor is gone
        try:
            return protocol.decode_command(line_task.result())
        except ProtocolError as error:  # a supervisor from another checkout: drain as if it were gone
            log.error("worker control channel: %s", error)
            return None

    async def follow(self, reader: asyncio.StreamReader) -> None:
        """Obey commands until told to drain, SIGTERM, or the supervisor goes away."""
        while (cmd := await self._next_command(reader)) is not None:
            if isinstance(cmd, Warm):
                await self.warm(cmd.queues)
            elif isinstance(cmd, Load):
                await self.load(cmd.config)
            elif isinstance(cmd, Start) and self._host is not None:
                if not await self.start(self._host):
                    return
            elif isinstance(cmd, Drain):
                await self.drain(cmd.timeout)
                return
            await self._writer.drain()
        await self.drain(10.0)

    def stop_soon(self) -> None:
        """Drain at the next opportunity (SIGTERM)."""
        self._stopping.set()


async def _run(control_fd: int, http_fd: int | None) -> None:
    ctrl = socket.socket(fileno=control_fd)
    http_sock = socket.socket(fileno=http_fd) if http_fd is not None else None
    reader, writer = await asyncio.open_connection(sock=ctrl)
    worker = Worker(writer, http_sock)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, worker.stop_soon)
    try:
        worker.say(Ready(pid=os.getpid()))
        await writer.drain()
        await worker.follow(reader)
    except ConnectionError:
        pass  # the supervisor went away; a host that was running has been drained by follow()
    finally:
        with contextlib.suppress(OSError):
            writer.close()


def prepare(verbose: bool = False) -> None:
    """What a worker process does before it knows its control channel: Ctrl-C is the supervisor's, logs go to
    stderr, the heavy libraries are imported (also done once by the fork server, whose children inherit it)."""
    from emulator.dev.log_thread import configure_logging

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(verbose)
    warm_up()


def serve_control(control_fd: int, http_fd: int | None) -> int:
    """Obey the supervisor on ``control_fd`` until drained; the exit status."""
    from emulator.dev.log_thread import off_the_loop

    with off_the_loop():  # started here, in the worker itself: a fork would not copy the listener thread
        asyncio.run(_run(control_fd, http_fd))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of a supervised worker process started on its own (not forked from the fork server)."""
    parser = argparse.ArgumentParser(prog="python -m emulator.dev.supervised")
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--http-fd", type=int)
    parser.add_argument("--index", type=int, default=0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    prepare(args.verbose)
    return serve_control(args.control_fd, args.http_fd)


if __name__ == "__main__":
    sys.exit(main())
