"""Running a deployment's host in a background thread, for tests of function apps (the emulator's and users').

``with running(deployment_dir, storage) as run:`` serves the host on its own event loop, as a worker process
would, until the block ends; ``run.entries(...)`` reads its journal.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from emulator.app.deployment import load_deployment
from emulator.journal.store import Journal, JournalEntry
from emulator.runtime.config import WorkerConfig
from emulator.runtime.factory import serve
from emulator.runtime.host import Host, Runner
from emulator.testing.environment import PROCESS_ENVIRONMENT
from framework.storage import resolve_connection_string

T = TypeVar("T")


class RunningHost:
    """A host served on its own event loop in a thread, as a worker process would run it.

    Keyword arguments are :class:`~emulator.runtime.config.WorkerConfig` fields (``drain_timeout``, ``lease_s``,
    ``database_url``, ...); ``runners`` are the triggers besides the queue pollers (none unless given).
    """

    def __init__(self, deployment: Path, storage: str, *, runners: Sequence[Runner] = (), **config: Any) -> None:
        self.deployment = deployment
        self.journal_path = deployment / ".exchange" / "journal.db"
        self.config = WorkerConfig(deployment_dir=deployment, storage=storage, journal_path=self.journal_path, **config)
        self._runners = list(runners)
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.host: Host | None = None
        self.error: BaseException | None = None
        self._claim: int | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def app_settings(self) -> dict[str, str]:
        """What this host will put in ``os.environ``: the deployment's Values, its storage and database over them."""
        settings = dict(load_deployment(self.deployment).local.values)
        settings["AzureWebJobsStorage"] = resolve_connection_string(self.config.storage)
        if self.config.database_url:
            settings["DATABASE_URL"] = self.config.database_url
        return settings

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()

            def started(host: Host) -> None:
                self.host = host
                self._ready.set()

            await serve(self.config, runners=self._runners, on_started=started)

        try:
            asyncio.run(main())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # handed to the caller's thread by start()
            self.error = exc
        finally:
            self._ready.set()

    def start(self) -> RunningHost:
        """Start serving; returns once the host runs (or raises what stopped it from starting).

        Raises :class:`~emulator.testing.environment.SettingsConflictError` before starting when a host running in
        this process gave one of this host's app settings another value.
        """
        self._claim = PROCESS_ENVIRONMENT.claim(self.deployment, self.app_settings())
        self._thread.start()
        self._ready.wait(60)
        if self.error is not None:
            self._release()
            raise self.error
        return self

    def stop(self) -> None:
        """Drain and stop the host (bounded by its drain timeout)."""
        if self._loop is not None and self._task is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(30)
        self._release()

    def _release(self) -> None:
        if self._claim is not None:
            PROCESS_ENVIRONMENT.release(self._claim)
            self._claim = None

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


def wait_for(condition: Callable[[], T], timeout: float = 20.0, what: str = "condition") -> T:
    """Poll ``condition`` until it returns something truthy (and return that); fail after ``timeout`` seconds.

    Tests wait on conditions with a deadline, never on a fixed sleep.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
