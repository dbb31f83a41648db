"""Helpers for the emulator tests: deployments from fixture apps, a host running in a thread, waiting."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from emulator.host import Host
from emulator.journal import Journal, JournalEntry
from emulator.run import serve
from framework.queues import Encoding, encode_body, send_text
from framework.storage import queue_client

APPS = Path(__file__).parent / "apps"
T = TypeVar("T")


def deploy(app: str, target: Path, *, host: dict[str, Any] | None = None, values: dict[str, str] | None = None) -> Path:
    """Copy fixture app ``app`` into ``target`` with a host.json and a local.settings.json."""
    shutil.copytree(APPS / app, target, dirs_exist_ok=True)
    (target / "host.json").write_text(json.dumps({"version": "2.0", **(host or {})}))
    settings = {"IsEncrypted": False, "Values": {"FUNCTIONS_WORKER_RUNTIME": "python", **(values or {})}}
    (target / "local.settings.json").write_text(json.dumps(settings))
    return target


def wait_for(condition: Callable[[], T], timeout: float = 20.0, what: str = "condition") -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def send(conn: str, queue: str, body: str | bytes, *, encoding: Encoding = "base64") -> str:
    """Put ``body`` on ``queue`` as the host expects it (base64 by default)."""
    client = queue_client(queue, conn)
    try:
        return send_text(client, encode_body(body, encoding))
    finally:
        client.close()


class RunningHost:
    """A host served on its own event loop in a thread, as a worker process would run it."""

    def __init__(self, deployment: Path, storage: str, **kwargs: Any) -> None:
        self.deployment = deployment
        self.journal_path = deployment / ".exchange" / "journal.db"
        self._kwargs = {"storage": storage, "journal_path": self.journal_path, **kwargs}
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.host: Host | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()

            def started(host: Host) -> None:
                self.host = host
                self._ready.set()

            await serve(self.deployment, on_started=started, **self._kwargs)

        try:
            asyncio.run(main())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:
            self.error = exc
        finally:
            self._ready.set()

    def start(self) -> RunningHost:
        self._thread.start()
        self._ready.wait(60)
        if self.error is not None:
            raise self.error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._task is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(30)

    def entries(self, **filters: Any) -> list[JournalEntry]:
        """What the journal holds so far."""
        if not self.journal_path.exists():
            return []
        return Journal(self.journal_path).read(limit=100_000, **filters)


@contextmanager
def running(deployment: Path, storage: str, **kwargs: Any) -> Iterator[RunningHost]:
    """Run the deployment's host for the block."""
    host = RunningHost(deployment, storage, **kwargs).start()
    try:
        yield host
    finally:
        host.stop()
