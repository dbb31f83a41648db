"""Worker processes as the supervisor sees them: spawn warm, load code, start, drain, stop."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from emulator.dev.control import ControlChannel
from emulator.dev.protocol import (
    Drain,
    Drained,
    Load,
    LoadCancelled,
    Loaded,
    LoadFailed,
    LoadOutcome,
    Ready,
    Start,
    Started,
    StartFailed,
    StartOutcome,
)
from emulator.runtime.config import WorkerConfig

#: How long a warm worker may take to import the heavy libraries, and a load to import user code.
READY_TIMEOUT_S = 30.0
LOAD_TIMEOUT_S = 60.0

#: Where a worker is in its life, as the supervisor last saw it.
WorkerState = Literal["warm", "loading", "loaded", "running"]


class Process(Protocol):
    """The part of :class:`subprocess.Popen` the supervisor uses (a forked worker has it too)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def send_signal(self, sig: int) -> None: ...

    def kill(self) -> None: ...


@dataclass
class WorkerProcess:
    """One worker child and its control channel."""

    popen: Process
    control: ControlChannel
    index: int
    #: Set by the supervisor on Ctrl-C: waits for a worker that loads or starts give up at once.
    cancel: threading.Event = field(default_factory=threading.Event)
    state: WorkerState = "warm"
    #: When the ``load`` command was sent (monotonic), to say how long a stuck import ran.
    load_started: float = 0.0

    @classmethod
    def spawn(
        cls,
        index: int,
        http_sock: socket.socket | None,
        env: dict[str, str] | None = None,
        log: Path | None = None,
        cancel: threading.Event | None = None,
    ) -> WorkerProcess:
        """Start a worker that imports the heavy libraries and waits, warm, for its ``load`` command.

        Its output goes to this terminal, or appended to ``log``.
        """
        parent, child = socket.socketpair()
        args = [
            sys.executable,
            "-m",
            "emulator.dev.supervised",
            "--control-fd",
            str(child.fileno()),
            "--index",
            str(index),
        ]
        popen = spawn(args, channel=child, http_sock=http_sock, log=log, env=env or None)
        child.close()
        return cls(popen, ControlChannel(parent), index, cancel or threading.Event())

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self.popen.pid

    def load(self, config: WorkerConfig) -> LoadOutcome:
        """Import and index the deployment; the ``loaded``, ``load_failed`` or (Ctrl-C) ``load_cancelled`` event."""
        self.begin_load(config)
        return self.finish_load()

    def begin_load(self, config: WorkerConfig) -> None:
        """Send the ``load`` command (a spare is ready at once; a fresh interpreter first says ``ready``)."""
        self.state, self.load_started = "loading", time.monotonic()
        self.control.send(Load(config))

    def finish_load(self) -> LoadOutcome:
        """Wait for the outcome of :meth:`begin_load`."""
        event = self.control.wait(Loaded, LoadFailed, timeout=READY_TIMEOUT_S + LOAD_TIMEOUT_S, cancel=self.cancel)
        if isinstance(event, Loaded | LoadFailed):
            self.state = "loaded" if isinstance(event, Loaded) else "warm"
            return event
        if self.cancel.is_set():
            return LoadCancelled()
        if self.popen.poll() is None:
            return LoadFailed(
                f"worker {self.index} was still importing the code after {LOAD_TIMEOUT_S:g} s "
                "(an import that never returns?); it was stopped"
            )
        if Ready not in self.control.seen:
            return LoadFailed(f"worker {self.index} did not start (exit {self.popen.poll()})")
        return LoadFailed(f"worker {self.index} exited while loading the code")

    def start(self) -> StartOutcome:
        """Start the triggers; the ``started`` or ``start_failed`` event."""
        self.begin_start()
        return self.finish_start()

    def begin_start(self) -> None:
        """Send the ``start`` command; a worker whose code did not load ignores it."""
        self.control.send(Start())

    def finish_start(self) -> StartOutcome:
        """Wait for the outcome of :meth:`begin_start` (after a successful load)."""
        self.state = "running"
        event = self.control.wait(Started, StartFailed, timeout=LOAD_TIMEOUT_S, cancel=self.cancel)
        if isinstance(event, Started | StartFailed):
            return event
        return StartFailed(f"worker {self.index} stopped while starting")

    @property
    def stuck_loading(self) -> float | None:
        """Seconds this worker has been importing the code, if it is doing that now (it cannot obey a drain)."""
        return time.monotonic() - self.load_started if self.state == "loading" else None

    def begin_drain(self, timeout: float) -> None:
        """Ask the worker to stop receiving and finish in-flight work within ``timeout`` s, then exit."""
        self.control.send(Drain(timeout))

    def finish(self, timeout: float) -> int:
        """Wait for the worker to exit; SIGTERM then SIGKILL past the bound. Returns its exit code.

        A worker still importing the code has nothing to drain (no trigger started) and cannot read the drain
        command until the import returns, which it may never do: it is killed at once.
        """
        if self.stuck_loading is not None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.kill()
            self.control.close()
            return self.popen.wait()
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(2.0)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait()
        finally:
            self.control.close()

    def stop(self, timeout: float) -> int:
        """Drain and stop."""
        self.begin_drain(timeout)
        return self.finish(timeout + 1.0)


def stop_all(workers: list[WorkerProcess], timeout: float) -> None:
    """Drain several workers at once (not one after another), then wait for each to exit."""
    for worker in workers:
        worker.begin_drain(timeout)
    for worker in workers:
        worker.finish(timeout + 1.0)


def finish_drain(workers: list[WorkerProcess], timeout: float) -> None:
    """Wait until each worker told to drain says it is drained (or the bound passes), then reap them.

    A drained worker has stopped receiving, finished or released its messages and flushed its journal; what is
    left is interpreter teardown (a few hundred ms), which a reload need not wait for: it is reaped in the
    background.
    """
    for worker in workers:
        worker.control.wait(Drained, timeout=timeout + 1.0)
    if workers:
        threading.Thread(target=stop_all, args=(workers, timeout), name="reap", daemon=True).start()


def spawn(
    args: list[str],
    *,
    channel: socket.socket,
    http_sock: socket.socket | None,
    log: Path | None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``args`` (a worker or the fork server) with its end of ``channel`` and the HTTP socket (``--http-fd``),
    in a session of its own: Ctrl-C reaches only the supervisor, which drains its children in order. Its output goes
    to this terminal, or appended to ``log``; ``env`` defaults to this process's environment."""
    fds = [channel.fileno()]
    if http_sock is not None:
        args = [*args, "--http-fd", str(http_sock.fileno())]
        fds.append(http_sock.fileno())
    out = log.open("ab") if log is not None else None
    try:
        return subprocess.Popen(
            args,
            pass_fds=fds,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
            start_new_session=True,
            env=env,
        )
    finally:
        if out is not None:
            out.close()
