"""The supervisor's side of the fork server (:mod:`emulator.dev.forkserver`): warm workers in milliseconds.

:class:`ForkServer` starts the template process once and asks it for a worker whenever the supervisor needs a
spare; :class:`ForkedProcess` is such a worker seen through the part of :class:`subprocess.Popen` the supervisor
uses. Signals go through a pidfd the fork server took before the child could be reaped, so a recycled pid is never
signalled. Where fork or pidfds are missing (not Linux), :func:`available` is False and workers are spawned as
fresh interpreters instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from emulator.dev import protocol
from emulator.dev.control import CANCEL_CHECK_S, ControlChannel
from emulator.dev.forkserver import PACKET, send
from emulator.dev.protocol import Exited, Fork, Forked, ProtocolError
from emulator.dev.workers import READY_TIMEOUT_S, WorkerProcess, spawn

log = logging.getLogger("exchange.dev")


def available() -> bool:
    """Whether workers can be forked from a fork server here."""
    return hasattr(os, "fork") and hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal")


class ForkedProcess:
    """A worker forked by the fork server (its parent); exit codes come from the fork server."""

    def __init__(self, pid: int, pidfd: int, server: ForkServer) -> None:
        self._pid = pid
        self._pidfd = pidfd
        self._server = server
        self.returncode: int | None = None

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self._pid

    def poll(self) -> int | None:
        """The exit code once the worker has ended, else None."""
        return self._collect(0.0)

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the exit code; :class:`subprocess.TimeoutExpired` past ``timeout``."""
        code = self._collect(timeout)
        if code is None:
            raise subprocess.TimeoutExpired(f"worker {self._pid}", timeout or 0.0)
        return code

    def _collect(self, timeout: float | None) -> int | None:
        if self.returncode is None:
            self.returncode = self._server.exit_code(self._pid, self._pidfd, timeout)
            if self.returncode is not None:
                os.close(self._pidfd)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        """Signal the worker (:class:`ProcessLookupError` once it has ended)."""
        if self.returncode is not None:
            raise ProcessLookupError(self._pid)
        signal.pidfd_send_signal(self._pidfd, sig)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)


class ForkServer:
    """One fork server per supervisor: started once, asked for warm workers, ended with :meth:`close`."""

    def __init__(self, http_sock: socket.socket | None, log: Path | None, grace: float = 15.0) -> None:
        self._http = http_sock
        self._log = log
        #: How long workers left behind by a supervisor that died may take to drain before they are killed.
        self._grace = grace
        self._lock = threading.Lock()
        self._exits = threading.Condition()
        self._codes: dict[int, int] = {}
        self._forked: queue.Queue[tuple[int, int] | None] = queue.Queue()
        self._popen: subprocess.Popen[bytes] | None = None
        self._channel: socket.socket | None = None
        self._gone = True

    def _start(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        args = [sys.executable, "-m", "emulator.dev.forkserver", "--channel-fd", str(child.fileno())]
        args += ["--grace", str(self._grace)]
        self._popen = spawn(args, channel=child, http_sock=self._http, log=self._log)
        child.close()
        self._channel, self._gone = parent, False
        self._forked = queue.Queue()
        threading.Thread(target=self._read, args=(parent, self._forked), name="forkserver", daemon=True).start()

    def _read(self, channel: socket.socket, forked: queue.Queue[tuple[int, int] | None]) -> None:
        try:
            while True:
                data, fds, _, _ = socket.recv_fds(channel, PACKET, 1)
                if not data:
                    break
                message = protocol.decode_fork_reply(data)
                if isinstance(message, Forked):
                    forked.put((message.pid, fds[0]))
                elif isinstance(message, Exited):
                    with self._exits:
                        self._codes[message.pid] = message.code
                        self._exits.notify_all()
        except ProtocolError as error:  # a fork server from another checkout: gone, and started again
            log.error("fork server channel: %s", error)
        except OSError:
            pass
        finally:
            forked.put(None)
            with self._exits:
                if channel is self._channel:
                    self._gone = True
                self._exits.notify_all()

    def spawn(self, index: int, cancel: threading.Event) -> WorkerProcess | None:
        """A warm worker forked for slot ``index``; None when the fork server cannot give one (twice)."""
        with self._lock:
            for _ in range(2):  # a fork server that died is started again once
                if self._gone or (self._popen is not None and self._popen.poll() is not None):
                    self._start()
                reply, parent = self._request(index, cancel)
                if reply is not None:
                    pid, pidfd = reply
                    return WorkerProcess(ForkedProcess(pid, pidfd, self), ControlChannel(parent), index, cancel)
                parent.close()
                if cancel.is_set():
                    return None
                self._gone = True
        return None

    def _request(self, index: int, cancel: threading.Event) -> tuple[tuple[int, int] | None, socket.socket]:
        """Ask for one fork; the (pid, pidfd) reply, or None (also soon after ``cancel`` is set: Ctrl-C while the
        fork server still warms up), and the supervisor's end of the worker's control channel."""
        assert self._channel is not None
        parent, child = socket.socketpair()
        try:
            send(self._channel, Fork(index=index), [child.fileno()])
        except OSError:
            return None, parent
        finally:
            child.close()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and not cancel.is_set():
            try:
                return self._forked.get(timeout=CANCEL_CHECK_S), parent
            except queue.Empty:
                continue
        return None, parent

    def exit_code(self, pid: int, pidfd: int, timeout: float | None) -> int | None:
        """Worker ``pid``'s exit code within ``timeout`` s, else None. If the fork server died, the worker's
        pidfd still says whether it ended (its code is then unknown: -1)."""
        with self._exits:
            self._exits.wait_for(lambda: pid in self._codes or self._gone, timeout)
            if pid in self._codes:
                return self._codes.pop(pid)
        ended, _, _ = select.select([pidfd], [], [], timeout)
        return -1 if ended else None

    def close(self, timeout: float = 5.0) -> None:
        """End the fork server (it exits at end of file on its channel); its workers are stopped by the caller."""
        with self._lock:
            if self._channel is not None:
                with contextlib.suppress(OSError):
                    self._channel.shutdown(socket.SHUT_RDWR)
                self._channel.close()
                self._channel, self._gone = None, True
            if self._popen is not None:
                try:
                    self._popen.wait(timeout)
                except subprocess.TimeoutExpired:
                    self._popen.kill()
                    self._popen.wait()
                self._popen = None
