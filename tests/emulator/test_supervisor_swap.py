"""The supervisor's reload swap and dead-worker replacement, against fake workers at the OS seam.

Each fake worker is a thread speaking the real protocol on a real socketpair (what a worker process does on its
control channel), behind a process handle with ``poll``/``wait``/``send_signal``/``kill``/``pid`` (what
:class:`emulator.dev.workers.Process` asks of one). No process is started: this is the fast lane.
"""

from __future__ import annotations

import contextlib
import itertools
import select
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from emulator.dev import protocol
from emulator.dev.control import ControlChannel
from emulator.dev.protocol import Drain, Drained, Load, Loaded, LoadFailed, Ready, Start, Started, StartFailed
from emulator.dev.supervisor import DevOptions, Supervisor
from emulator.dev.workers import WorkerProcess
from emulator.runtime.config import WorkerConfig
from emulator.testing.host import wait_for

#: How long a fake worker waits for a condition the supervisor should bring about (never reached when it does).
PATIENCE_S = 5.0
#: How long a loading worker watches for a start command sent too early, before the old generation drained.
EARLY_START_S = 0.2


class FakeProcess:
    """A worker process as the supervisor sees it; it ends when its fake worker exits or is signalled."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._ended = threading.Event()

    def end(self, code: int) -> None:
        if self.returncode is None:
            self.returncode = code
        self._ended.set()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.wait(timeout) or self.returncode is None:
            raise subprocess.TimeoutExpired(f"fake worker {self.pid}", timeout or 0.0)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is not None:
            raise ProcessLookupError(self.pid)
        self.end(-sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


@dataclass
class Code:
    """The deployment's code as the next load finds it, and what every fake worker did, in order."""

    load_error: str | None = None
    start_error: str | None = None
    #: (pid, what): a command received (``load``, ...) or an event said (``said:loaded``, ...).
    log: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    drains_received: threading.Condition = field(default_factory=threading.Condition)
    #: Every fake worker made so far.
    fakes: list[FakeWorker] = field(default_factory=list)

    def note(self, pid: int, what: str) -> None:
        with self.lock:
            self.log.append((pid, what))
        with self.drains_received:
            self.drains_received.notify_all()

    def seen(self, pid: int, what: str) -> bool:
        with self.lock:
            return (pid, what) in self.log

    def loading_after(self, pid: int) -> bool:
        """Whether a worker made after ``pid`` is alive and has no load outcome yet (the next generation)."""
        with self.lock:
            done = {p for p, what in self.log if what in ("said:loaded", "said:load_failed")}
        return any(w.process.pid > pid and w.process.poll() is None and w.process.pid not in done for w in self.fakes)

    def position(self, pid: int, what: str) -> int:
        with self.lock:
            return self.log.index((pid, what))


class FakeWorker:
    """The worker's side of the control channel, in a thread: warm, load, start, drain as the real one does."""

    def __init__(self, sock: socket.socket, process: FakeProcess, code: Code, others: list[FakeWorker]) -> None:
        self.sock, self.process, self.code = sock, process, code
        #: The workers made before this one: a load waits until the running ones are told to drain.
        self.others = others
        self.loaded = False
        self._buffer = b""
        code.fakes.append(self)
        threading.Thread(target=self._run, name=f"fake-worker-{process.pid}", daemon=True).start()

    def say(self, event: protocol.Event) -> None:
        self.code.note(self.process.pid, f"said:{event.kind}")
        self.sock.sendall(protocol.encode(event))

    def _run(self) -> None:
        try:
            self.say(Ready(pid=self.process.pid))
            while (line := self._next_line()) is not None and self._obey(protocol.decode_command(line)):
                pass
        except OSError:
            pass  # killed: die() shut the socket
        finally:
            self.sock.close()
            self.process.end(0)

    def _next_line(self) -> bytes | None:
        while b"\n" not in self._buffer:
            if not (chunk := self.sock.recv(65536)):
                return None  # the supervisor closed its end
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def _command_waiting(self, within: float) -> bool:
        """Whether the supervisor has sent another command already (or does so within ``within`` s)."""
        if b"\n" not in self._buffer and select.select([self.sock], [], [], within)[0]:
            self._buffer += self.sock.recv(65536)
        return b"\n" in self._buffer

    def _obey(self, command: protocol.Command) -> bool:
        """Act on one command; False when the worker exits."""
        self.code.note(self.process.pid, command.kind)
        if isinstance(command, Load):
            self._load()
        elif isinstance(command, Start) and self.loaded:
            if self.code.start_error is not None:
                self.say(StartFailed(self.code.start_error))
                self.say(Drained())
                return False
            self.say(Started(queues=(("conn", "orders"),)))
        elif isinstance(command, Drain):
            self._drain()
            return False
        return True

    def _drain(self) -> None:
        """Finish in-flight work while the next generation imports its code: drained once its load has an
        outcome, so that a supervisor starting the new code before the old is drained is caught in the act."""
        pid = self.process.pid
        with self.code.drains_received:
            self.code.drains_received.wait_for(lambda: not self.code.loading_after(pid), PATIENCE_S)
        self.say(Drained())

    def _load(self) -> None:
        """Answer only once every running worker of the old generation has been told to drain: a supervisor that
        waited for this load before draining the old code sees the load fail after :data:`PATIENCE_S`. The old
        generation holds its ``drained`` until this load has an outcome, so a ``start`` arriving meanwhile was sent
        before the old code stopped polling: that fails the load too."""
        running = [w for w in self.others if self.code.seen(w.process.pid, "said:started") and w.process.poll() is None]
        with self.code.drains_received:
            overlapped = self.code.drains_received.wait_for(
                lambda: all(self.code.seen(w.process.pid, "drain") for w in running), PATIENCE_S
            )
        if not overlapped:
            self.say(LoadFailed("the old generation was not told to drain while the new code loaded"))
        elif running and self._command_waiting(within=EARLY_START_S):  # the old is not drained: it waits for us
            self.say(LoadFailed("told to start before the old generation was drained"))
        elif self.code.load_error is not None:
            self.say(LoadFailed(self.code.load_error))
        else:
            self.loaded = True
            self.say(Loaded(functions=("orders",), not_run={}))

    def die(self) -> None:
        """SIGKILL, as the OS would deliver it: the process ends and its end of the channel closes."""
        self.process.end(-signal.SIGKILL)
        with contextlib.suppress(OSError):  # it may have exited already
            self.sock.shutdown(socket.SHUT_RDWR)


@dataclass
class Harness:
    """A supervisor whose workers are fakes, and what it said."""

    supervisor: Supervisor
    code: Code
    workers: list[FakeWorker]
    said: list[str]

    def fake(self, worker: WorkerProcess) -> FakeWorker:
        return next(w for w in self.workers if w.process.pid == worker.pid)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    code, workers, said = Code(), list[FakeWorker](), list[str]()
    pids = itertools.count(1000)
    cancel = threading.Event()

    def new_worker(index: int) -> WorkerProcess:
        ours, theirs = socket.socketpair()
        process = FakeProcess(next(pids))
        workers.append(FakeWorker(theirs, process, code, list(workers)))
        return WorkerProcess(process, ControlChannel(ours), index, cancel)

    options = DevOptions(deployment_dir=tmp_path, reload=False, drain_timeout=1.0)
    config = WorkerConfig(deployment_dir=tmp_path, storage="UseDevelopmentStorage=true")
    supervisor = Supervisor(options, config, on_status=said.append, new_worker=new_worker)
    yield Harness(supervisor, code, workers, said)
    cancel.set()
    for fake in workers:
        fake.die()


def test_a_reload_loads_the_new_code_while_the_old_drains_and_starts_it_once_the_old_is_drained(
    harness: Harness, tmp_path: Path
) -> None:
    supervisor, code = harness.supervisor, harness.code
    supervisor.spawn_spares()
    assert supervisor.swap(changed=None) is True
    [old] = supervisor.active

    assert supervisor.swap(changed=[tmp_path / "function_app.py"]) is True

    [new] = supervisor.active
    assert new.pid != old.pid and supervisor.generation == 2
    assert code.seen(new.pid, "said:loaded") and code.seen(old.pid, "drain")  # overlapped, or the load had failed
    assert (
        code.position(old.pid, "said:drained")
        < code.position(new.pid, "start")
        < code.position(new.pid, "said:started")
    )
    assert old.popen.wait(PATIENCE_S) == 0 and new.popen.poll() is None  # the old one reaped in the background
    [spare] = supervisor.spares
    # told to open the running generation's queues ahead of the next reload
    wait_for(lambda: code.seen(spare.pid, "warm"), timeout=PATIENCE_S, what="the spare warmed")
    assert harness.said[-2] == "change detected: function_app.py - reloading"
    assert harness.said[-1].startswith("generation 2: 1 function(s) running in 1 worker(s)")


def test_a_reload_whose_code_fails_to_load_leaves_nothing_polling_and_a_warm_spare_waiting(
    harness: Harness, tmp_path: Path
) -> None:
    supervisor, code = harness.supervisor, harness.code
    supervisor.spawn_spares()
    supervisor.swap(changed=None)
    [old] = supervisor.active
    code.load_error = "function_app.py:3: SyntaxError: invalid syntax"

    assert supervisor.swap(changed=[tmp_path / "function_app.py"]) is False

    assert supervisor.active == [] and supervisor.generation == 1
    assert supervisor.last_error == code.load_error
    failed = harness.workers[1]
    assert failed.process.wait(PATIENCE_S) == 0  # stopped
    assert not code.seen(failed.process.pid, "said:started")  # broken code never polls
    assert code.seen(old.pid, "said:drained")  # nor does the old code
    assert len(supervisor.spares) == 1 and supervisor.spares[0].popen.poll() is None
    assert "the code failed to load; no queue is polled until it is fixed" in harness.said[-1]


def test_a_dead_worker_is_replaced_by_a_warm_spare_on_the_same_code(harness: Harness) -> None:
    supervisor, code = harness.supervisor, harness.code
    supervisor.spawn_spares()
    supervisor.swap(changed=None)
    [dead] = supervisor.active
    [spare] = supervisor.spares

    harness.fake(dead).die()
    supervisor.replace_dead_workers()

    assert supervisor.active[0] is spare and supervisor.generation == 1
    assert code.seen(spare.pid, "said:loaded") and code.seen(spare.pid, "said:started")
    assert f"worker 0 (pid {dead.pid}) exited with {-signal.SIGKILL}; starting a new one" in harness.said
    [next_spare] = supervisor.spares
    assert next_spare.pid not in (dead.pid, spare.pid) and next_spare.popen.poll() is None


def test_a_replacement_that_fails_too_is_tried_again_only_after_a_pause(harness: Harness) -> None:
    supervisor, code = harness.supervisor, harness.code
    supervisor.spawn_spares()
    supervisor.swap(changed=None)
    [dead] = supervisor.active
    code.start_error = "the queue service at 127.0.0.1:10001 refused the connection"

    harness.fake(dead).die()
    supervisor.replace_dead_workers()
    made = len(harness.workers)
    supervisor.replace_dead_workers()  # at once: within the back-off, nothing is tried

    assert supervisor.active[0] is dead
    assert harness.said[-1] == f"the replacement worker failed; trying again in 2 s:\n{code.start_error}"
    assert len(harness.workers) == made and len(supervisor.spares) == 1
    assert harness.workers[1].process.wait(PATIENCE_S) == 0  # the failed replacement was stopped
