"""``exchange dev``: the supervisor that owns Azurite, the HTTP socket and the worker processes.

It binds the HTTP port once (workers inherit the socket, as uvicorn's reloader does), keeps warm workers ready
(forked from a fork server that has imported the libraries, never user code: :mod:`emulator.dev.forked`), and on a
file change swaps generations: the new code is imported in a warm worker while the old workers drain (stop
receiving, finish in-flight work within a bound); if the new code fails to load the error is shown and no queue
is polled by stale or broken code until the code is fixed; if it loads, the new workers start their triggers as
soon as the old ones are drained. Reload is always a fresh process, never ``importlib.reload``.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.dev import forked
from emulator.dev import state as devstate
from emulator.dev.protocol import (
    LoadCancelled,
    Loaded,
    LoadFailed,
    LoadOutcome,
    QueueRef,
    Started,
    StartFailed,
    StartOutcome,
    Warm,
)
from emulator.dev.workers import WorkerProcess, finish_drain, stop_all
from emulator.journal.store import JOURNAL_KEEP_ENTRIES
from emulator.runtime.azure import RuntimeName
from emulator.runtime.config import WorkerConfig
from emulator.triggers.http.errors import PortInUseError
from emulator.triggers.queue import LEASE_S

if TYPE_CHECKING:  # the standby server needs aiohttp: imported only when code fails to load
    from emulator.azurite import AzuriteProcess
    from emulator.dev.standby import Standby

log = logging.getLogger("exchange.dev")

WATCHED_SUFFIXES = (".py", ".json")
#: First pause before a failed replacement of a dead worker is tried again, and the longest.
REPLACE_BACKOFF_S = 2.0
REPLACE_BACKOFF_MAX_S = 30.0
IGNORED_PARTS = {".exchange", "__pycache__", ".venv", "venv", ".git", ".pytest_cache", ".mypy_cache", "node_modules"}


@dataclass
class DevOptions:
    """What ``exchange dev`` was asked to do."""

    deployment_dir: Path
    #: Interface for the HTTP server; loopback unless the user says otherwise.
    bind: str = "127.0.0.1"
    #: Allow a non-loopback ``bind`` without ``enable_auth`` (``--insecure``).
    insecure: bool = False
    #: None: ``Host.LocalHttpPort`` from local.settings.json, else 7071.
    port: int | None = None
    #: A storage connection string; None: Azurite on the default ports (started if needed).
    storage: str | None = None
    #: The file ``--storage @FILE`` read it from: dev.json names it instead of holding the key.
    storage_file: Path | None = None
    database_url: str | None = None
    workers: int = 1
    reload: bool = True
    enable_auth: bool = False
    #: Bound on finishing in-flight work when draining a worker.
    drain_timeout: float = 10.0
    #: Queue message lease in seconds: how soon a killed worker's messages reappear (tests shorten it).
    lease_s: float = LEASE_S
    #: Journal entries kept (the newest); older ones are pruned.
    journal_keep: int = JOURNAL_KEEP_ENTRIES
    journal_path: Path | None = None
    #: More folders to watch (the workspace's ``processors/``).
    watch_paths: list[Path] = field(default_factory=list)
    #: Where the workers' output goes (None: this terminal). The TUI needs the terminal to itself.
    log_path: Path | None = None
    #: What runs the functions: ``emulator`` or ``azure`` (azure-functions-runtime, Python 3.13+).
    runtime: RuntimeName = "emulator"
    #: An Azurite launched for this deployment already (``exchange demo`` starts it first thing, so Node.js boots
    #: while the rest starts): used and stopped as if ``exchange dev`` had started it.
    azurite: AzuriteProcess | None = None


def bind_http(bind: str, port: int) -> socket.socket:
    """Bind and listen once, in the supervisor; workers accept on the inherited socket."""
    sock = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((bind, port))
    except OSError as exc:
        sock.close()
        raise PortInUseError(
            f"Cannot listen on {bind}:{port}: {exc.strerror}.",
            hint=f"another host (func start? another exchange dev?) uses port {port}: stop it or pass --port",
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _shown(path: Path, base: Path) -> str:
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


def _error_of(event: LoadOutcome | StartOutcome) -> str:
    """What the user is told about an outcome that is not the one hoped for."""
    if isinstance(event, LoadFailed | StartFailed):
        return event.error
    return f"unexpected {event.kind!r} from the worker"


def watch_filter(_change: Any, path: str) -> bool:
    """Reload for Python and JSON files outside caches, virtualenvs and exchange's own state."""
    parts = Path(path).parts
    return path.endswith(WATCHED_SUFFIXES) and not IGNORED_PARTS.intersection(parts)


class Supervisor:
    """Runs the workers for one deployment until :meth:`shutdown`."""

    def __init__(
        self,
        options: DevOptions,
        config: WorkerConfig,
        *,
        on_status: Callable[[str], None],
        new_worker: Callable[[int], WorkerProcess] | None = None,
    ) -> None:
        self.options = options
        #: What every worker is told to load (deployment, storage, database, journal, auth).
        self.config = config
        self._say = on_status
        #: Makes a warm worker for a slot; None: forked from the fork server, else a fresh interpreter. Tests give
        #: one speaking the protocol from a thread.
        self._make_worker = new_worker
        self._stop = threading.Event()
        self._http: socket.socket | None = None
        self.active: list[WorkerProcess] = []
        self._spares: list[WorkerProcess] = []
        self.generation = 0
        self.last_error: str | None = None
        self._reported: set[int] = set()
        self._replace_after = 0.0
        self._replace_backoff = REPLACE_BACKOFF_S
        #: Answers HTTP with 503 and the load error while no worker runs the code.
        self._standby: Standby | None = None
        self._forks: forked.ForkServer | None = None
        #: (connection string, queue) of the running generation's queue triggers (spares open them in advance).
        self._queues: tuple[QueueRef, ...] = ()
        #: Held while :meth:`warm` starts the fork server and spares (from another thread, during start-up).
        self._warming = threading.Lock()

    def _new_worker(self, index: int) -> WorkerProcess:
        """A warm worker: forked from the fork server in milliseconds, else a fresh interpreter (about a second)."""
        if self._make_worker is not None:
            return self._make_worker(index)
        if self._forks is not None and (worker := self._forks.spawn(index, self._stop)) is not None:
            return worker
        return WorkerProcess.spawn(index, self._http, log=self.options.log_path, cancel=self._stop)

    def spawn_spares(self) -> None:
        """Warm workers for the next generation, each told to open the running generation's queues already."""
        self._spares = [self._new_worker(i) for i in range(self.options.workers)]
        for spare in self._spares:
            if self._queues:
                spare.control.send(Warm(self._queues))

    @property
    def spares(self) -> list[WorkerProcess]:
        """The warm workers waiting for the next generation's code."""
        return list(self._spares)

    def bind(self, http_port: int) -> None:
        """Take the HTTP port now (before saying we serve on it); :meth:`serve` then uses this socket."""
        self._http = bind_http(self.options.bind, http_port)

    def warm(self) -> None:
        """Start the fork server and the first warm workers (after :meth:`bind`), before the code is loaded.

        Their imports take seconds on a busy machine: run from another thread while the storage gets ready (Azurite
        starting), they overlap it. The workers learn the storage with the ``load`` command, in :meth:`serve`, which
        warms them itself when this was not called. After :meth:`shutdown` it starts nothing more.
        """
        assert self._http is not None, "bind() first"
        with self._warming:
            if self._forks is None and forked.available() and not self._stop.is_set():
                # a supervisor that dies leaves its workers this long to drain before the fork server kills them
                self._forks = forked.ForkServer(self._http, self.options.log_path, self.options.drain_timeout + 5.0)
            if not self._spares and not self._stop.is_set():
                self.spawn_spares()

    def serve(self, http_port: int) -> None:
        """Bind (unless :meth:`bind` did), start the first generation, then reload on changes until :meth:`shutdown`."""
        if self._http is None:
            self.bind(http_port)
        assert self._http is not None
        changes: queue.Queue[set[Path]] = queue.Queue()
        if self.options.reload:  # watch before the first load: a save during start-up is not missed
            threading.Thread(target=self._watch, args=(changes,), name="watch", daemon=True).start()
        try:
            self.warm()
            self.swap(changed=None)
            while not self._stop.is_set():
                try:
                    batch = changes.get(timeout=0.5)
                except queue.Empty:
                    self.replace_dead_workers()
                    continue
                while not changes.empty():  # one reload for a burst of saves
                    batch |= changes.get_nowait()
                self.swap(changed=sorted(batch))
        finally:
            self._shutdown_workers()
            self._http.close()

    def _watch(self, changes: queue.Queue[set[Path]]) -> None:
        from watchfiles import watch

        paths = [self.options.deployment_dir, *self.options.watch_paths]
        # step=10 ms: FIELD-NOTES measured ~16 ms from write to yield (30 ms with step=20, 67 ms with the default 50).
        for batch in watch(*paths, watch_filter=watch_filter, stop_event=self._stop, step=10, debounce=400):
            changes.put({Path(p) for _, p in batch})

    def swap(self, changed: list[Path] | None) -> bool:
        """Replace the running generation with one on the current code. False when the new code fails to load.

        The old generation is told to drain at once, while the new code loads: whether the new code loads or
        not, no queue may be polled by the old code any more, and the drain (stop receiving, finish what is in
        flight) overlaps the import instead of following it.
        """
        started = time.monotonic()
        if changed:
            names = ", ".join(_shown(p, self.options.deployment_dir) for p in changed[:5])
            self._say(f"change detected: {names}{' ...' if len(changed) > 5 else ''} - reloading")
        new, self._spares = self._spares, []
        old, self.active = self.active, []
        for worker in new:  # the load is the critical path: it goes first
            worker.begin_load(self.config)
        for worker in old:
            worker.begin_drain(self.options.drain_timeout)
        finish_drain(old, self.options.drain_timeout)
        drained = time.monotonic()
        # queued behind the load: a worker whose code loaded starts without another round trip (one that failed
        # ignores it; with several workers, one failure stops them all, even those that loaded and started)
        for worker in new:
            worker.begin_start()
        events = [worker.finish_load() for worker in new]
        loaded = time.monotonic()
        if self._stop.is_set():  # Ctrl-C while the code was loading: stop, do not report a failure
            self._spares = new
            return False
        loads = [e for e in events if isinstance(e, Loaded)]
        if len(loads) < len(events):
            return self._failed(new, "load", _error_of(next(e for e in events if not isinstance(e, Loaded))))
        self._end_standby()  # the new workers take the HTTP socket from here on
        started_events = [worker.finish_start() for worker in new]
        starts = [e for e in started_events if isinstance(e, Started)]
        if len(starts) < len(started_events):
            return self._failed(new, "start", _error_of(next(e for e in started_events if not isinstance(e, Started))))
        self._queues = starts[0].queues
        self.active, self.last_error = new, None
        self.generation += 1
        functions = loads[0].functions
        self._say(
            f"generation {self.generation}: {len(functions)} function(s) running in {len(new)} worker(s) "
            f"(old drained {_ms(drained - started)}, loaded {_ms(loaded - started)}, "
            f"started {_ms(time.monotonic() - started)})"
        )
        for name, why in loads[0].not_run.items():
            self._say(f"  {name}: not run locally: {why}")
        self.spawn_spares()
        return True

    def _failed(self, workers: list[WorkerProcess], step: str, error: str) -> bool:
        """Stop ``workers`` and say why the code did not ``step`` (load, start); warm spares wait for the fix."""
        stop_all(workers, self.options.drain_timeout)
        self.last_error = error
        self._begin_standby(self.last_error)
        what = "the code failed to load" if step == "load" else "the functions could not start"
        self._say(f"{what}; no queue is polled until it is fixed (saving a file tries again):\n{self.last_error}")
        self.spawn_spares()
        return False

    def _begin_standby(self, error: str) -> None:
        """No worker serves HTTP now: answer every request at once with 503 and ``error``."""
        self._end_standby()
        if self._http is not None:
            from emulator.dev.standby import Standby

            self._standby = Standby(self._http, error, self.options.deployment_dir).start()

    def _end_standby(self) -> None:
        if self._standby is not None:
            self._standby.stop()
            self._standby = None

    def replace_dead_workers(self) -> None:
        """A worker that died (killed, crashed) is replaced by a warm one on the same code, as the host would.

        A replacement that fails too (the queue service is down, say) is tried again after a pause that doubles up
        to :data:`REPLACE_BACKOFF_MAX_S`, so an outage does not spin up a worker every half second.
        """
        if time.monotonic() < self._replace_after:
            return
        for i, worker in enumerate(self.active):
            code = worker.popen.poll()
            if code is None or not self._spares:
                continue
            if worker.pid not in self._reported:
                self._reported.add(worker.pid)
                self._say(f"worker {worker.index} (pid {worker.pid}) exited with {code}; starting a new one")
                worker.control.close()
            fresh = self._spares.pop()
            event: LoadOutcome | StartOutcome = fresh.load(self.config)
            if isinstance(event, LoadCancelled):  # Ctrl-C: serve() stops everything
                self._spares.append(fresh)
                return
            if isinstance(event, Loaded):
                self._end_standby()  # the fresh worker takes the HTTP socket
                event = fresh.start()
            if isinstance(event, Started):
                self.active[i] = fresh
                self._replace_backoff = REPLACE_BACKOFF_S
            else:
                if all(w.popen.poll() is not None for w in self.active):  # none left to answer HTTP
                    self._begin_standby(_error_of(event))
                self._say(
                    f"the replacement worker failed; trying again in {self._replace_backoff:g} s:\n{_error_of(event)}"
                )
                fresh.stop(self.options.drain_timeout)
                self._replace_after = time.monotonic() + self._replace_backoff
                self._replace_backoff = min(self._replace_backoff * 2, REPLACE_BACKOFF_MAX_S)
            self._spares.append(self._new_worker(worker.index))

    def shutdown(self) -> None:
        """Ask :meth:`serve` to return (thread-safe; from a signal handler too)."""
        self._stop.set()

    def close(self) -> None:
        """Stop what :meth:`bind` and :meth:`warm` started, when :meth:`serve` will not run (start-up failed)."""
        self._stop.set()
        with self._warming:
            self._shutdown_workers()
        if self._http is not None:
            self._http.close()

    def _shutdown_workers(self) -> None:
        workers = self.active + self._spares
        for worker in workers:
            if (seconds := worker.stuck_loading) is not None:
                self._say(
                    f"worker {worker.index} (pid {worker.pid}) was still importing the code after {seconds:.1f} s "
                    "(nothing was polled yet): stopping it"
                )
        stop_all(workers, self.options.drain_timeout)
        self.active, self._spares = [], []
        if self._forks is not None:
            self._forks.close()


def state_for(options: DevOptions, storage: str, http_port: int, pid: int) -> devstate.DevState:
    """What commands in other terminals need to reach this host."""
    return devstate.DevState(
        pid=pid,
        deployment_dir=str(options.deployment_dir),
        storage=storage,
        http_url=f"http://{options.bind}:{http_port}",
        database_url=options.database_url,
        journal_path=str(options.journal_path) if options.journal_path else None,
        storage_file=str(options.storage_file) if options.storage_file else None,
    )
