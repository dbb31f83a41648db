"""``python -m emulator.worker``: one worker process of ``exchange dev``.

It starts warm (the heavy libraries imported, no user code), says ``ready`` on its control channel, then follows
the supervisor: ``load`` imports and indexes the deployment, ``start`` starts the triggers, ``drain`` stops
receiving, finishes in-flight work within the bound and exits. End of file on the control channel (the supervisor
died) and SIGTERM drain as well. SIGINT is left to the supervisor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import signal
import socket
import traceback
from typing import Any

from framework.errors import ExchangeError

#: Imported before user code is known, so that a reload pays only for the user's own modules.
WARM_IMPORTS = (
    "sqlalchemy.orm",
    "azure.functions",
    "azure.storage.queue.aio",
    "azure.storage.blob.aio",
    "aiohttp.web",
    "croniter",
    "framework.handler",
    "framework.services",
    "emulator.host",
)


def _warm_up() -> None:
    for name in WARM_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


class Worker:
    """The worker's side of the control protocol."""

    def __init__(self, writer: asyncio.StreamWriter, http_sock: socket.socket | None) -> None:
        self._writer = writer
        self._http_sock = http_sock
        self._host: Any = None
        self._stopping = asyncio.Event()

    def say(self, event: str, **data: Any) -> None:
        self._writer.write((json.dumps({"event": event, **data}, default=str) + "\n").encode())

    def load(self, config: dict[str, Any]) -> None:
        from emulator.run import build_host

        try:
            self._host = build_host(config, http_sock=self._http_sock)
        except ExchangeError as error:
            self.say("load_failed", error=str(error))
            return
        except BaseException:  # user code may raise anything at import time: report it, never die silently
            self.say("load_failed", error=traceback.format_exc(limit=-8))
            return
        self.say("loaded", functions=[fn.name for fn in self._host.functions])

    async def drain(self, timeout: float) -> None:
        if self._host is not None:
            await self._host.drain(timeout)
            await self._host.stop()
        self.say("drained")

    async def follow(self, reader: asyncio.StreamReader) -> None:
        """Obey commands until drained, SIGTERM, or the supervisor goes away."""
        while not self._stopping.is_set():
            line_task = asyncio.ensure_future(reader.readline())
            stop_task = asyncio.ensure_future(self._stopping.wait())
            done, _ = await asyncio.wait({line_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
            if stop_task not in done:
                stop_task.cancel()
            if line_task not in done:
                line_task.cancel()
                break
            line = line_task.result()
            if not line:
                break
            cmd = json.loads(line)
            if cmd["cmd"] == "load":
                self.load(cmd["config"])
            elif cmd["cmd"] == "start" and self._host is not None:
                await self._host.start()
                self.say("started")
            elif cmd["cmd"] == "drain":
                await self.drain(float(cmd.get("timeout", 10.0)))
                return
            await self._writer.drain()
        await self.drain(10.0)

    def stop_soon(self) -> None:
        self._stopping.set()


async def _main(control_fd: int, http_fd: int | None) -> None:
    ctrl = socket.socket(fileno=control_fd)
    http_sock = socket.socket(fileno=http_fd) if http_fd is not None else None
    reader, writer = await asyncio.open_connection(sock=ctrl)
    worker = Worker(writer, http_sock)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, worker.stop_soon)
    worker.say("ready")
    await writer.drain()
    try:
        await worker.follow(reader)
    finally:
        with contextlib.suppress(OSError):
            await writer.drain()
            writer.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point of a worker process."""
    parser = argparse.ArgumentParser(prog="python -m emulator.worker")
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--http-fd", type=int)
    parser.add_argument("--index", type=int, default=0)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _warm_up()
    asyncio.run(_main(args.control_fd, args.http_fd))


if __name__ == "__main__":
    main()
