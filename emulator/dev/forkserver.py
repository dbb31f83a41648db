"""``python -m emulator.dev.forkserver``: a warm template process that forks ``exchange dev``'s workers.

It imports the heavy libraries once (:data:`emulator.dev.supervised.WARM_IMPORTS`) and never any user code; each fork
is a fresh worker process with those libraries already in memory, ready in milliseconds instead of the second a
new interpreter takes (longer on a busy machine), so a reload never waits for a cold start. User code is imported
only in the child, on the supervisor's ``load`` command: a fresh process per change, never ``importlib.reload``.

Its channel to the supervisor is a SOCK_SEQPACKET socket (one :mod:`emulator.dev.protocol` message per packet,
file descriptors attached):

- supervisor → fork server: :class:`~emulator.dev.protocol.Fork` with the child's end of a new control socketpair
  attached;
- fork server → supervisor: :class:`~emulator.dev.protocol.ForkServerReady` once warm;
  :class:`~emulator.dev.protocol.Forked` with a pidfd of the child attached (it cannot be confused with a later
  process that reuses the pid); :class:`~emulator.dev.protocol.Exited` when a child ends (negative code: killed by
  that signal, as ``subprocess`` reports it).

End of file on the channel (the supervisor is gone) ends the fork server; its children notice the same on their
own control channels and drain. One that is still importing user code cannot notice (an import that never
returns): whatever child is left after ``--grace`` seconds is killed, so a killed supervisor leaves no orphan.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import os
import select
import signal
import socket
import sys
import time
import traceback

from emulator.dev import protocol
from emulator.dev.protocol import Exited, Fork, Forked, ForkServerReady

#: Large enough for any message on this channel; they are a few dozen bytes.
PACKET = 4096


def send(channel: socket.socket, message: protocol.Message, fds: list[int] | None = None) -> None:
    """One message in one packet, optionally carrying file descriptors."""
    socket.send_fds(channel, [protocol.encode(message)], fds or [])


def _reap(channel: socket.socket | None) -> None:
    """Collect every child that ended and tell the supervisor (unless it is gone)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if channel is not None:
            with contextlib.suppress(OSError):
                send(channel, Exited(pid=pid, code=os.waitstatus_to_exitcode(status)))


def _outlive(children: set[int], grace: float) -> None:
    """The supervisor is gone: give the children ``grace`` seconds to drain and exit, then kill the rest."""
    deadline = time.monotonic() + grace
    while children and time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            children.discard(pid)
        else:
            time.sleep(0.05)  # no child to wait on with a timeout: poll, only in this last phase
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, 0):
            pass


def _child(channel: socket.socket, wakeup: tuple[int, int], control_fd: int, http_fd: int | None) -> None:
    """Become a worker: forget the fork server's plumbing, take a session of its own, obey the supervisor."""
    from emulator.dev.supervised import serve_control

    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    channel.close()
    for fd in wakeup:
        os.close(fd)
    os.setsid()  # as a spawned worker: Ctrl-C on the terminal reaches only the supervisor
    code = 1
    try:
        code = serve_control(control_fd, http_fd)
    except BaseException:  # the worker's own bug: say it, then exit as a crashed process would
        traceback.print_exc()
    finally:
        atexit._run_exitfuncs()  # what a normal interpreter exit would run (logging, thread pools)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _fork(channel: socket.socket, wakeup: tuple[int, int], control_fd: int, http_fd: int | None) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _child(channel, wakeup, control_fd, http_fd)
    os.close(control_fd)
    pidfd = os.pidfd_open(pid)  # before any reaping: the pid is still this child's
    try:
        send(channel, Forked(pid=pid), [pidfd])
    finally:
        os.close(pidfd)
    return pid


def serve(channel: socket.socket, http_fd: int | None, grace: float) -> None:
    """Fork a worker per request until the supervisor goes away; then see the children out (``grace``)."""
    wakeup = os.pipe()
    os.set_blocking(wakeup[0], False)
    os.set_blocking(wakeup[1], False)
    signal.set_wakeup_fd(wakeup[1])
    signal.signal(signal.SIGCHLD, lambda *_: None)  # the wake-up pipe is what matters
    gc.freeze()  # keep the warm objects out of the children's collections: fewer copy-on-write pages
    send(channel, ForkServerReady(pid=os.getpid()))
    children: set[int] = set()
    while True:
        readable, _, _ = select.select([channel.fileno(), wakeup[0]], [], [])
        if wakeup[0] in readable:
            while os.read(wakeup[0], PACKET) == PACKET:
                pass
            _reap(channel)
        if channel.fileno() in readable:
            try:
                data, fds, _, _ = socket.recv_fds(channel, PACKET, 1)
            except OSError:
                data, fds = b"", []
            if not data:
                signal.set_wakeup_fd(-1)
                _outlive({pid for pid in children if _running(pid)}, grace)
                return
            protocol.decode_as(data, Fork)  # another version: ProtocolError, and the supervisor sees us gone
            children.add(_fork(channel, wakeup, fds[0], http_fd))


def _running(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: warm up, then serve fork requests on ``--channel-fd``."""
    from emulator.dev.supervised import prepare

    parser = argparse.ArgumentParser(prog="python -m emulator.dev.forkserver")
    parser.add_argument("--channel-fd", type=int, required=True)
    parser.add_argument("--http-fd", type=int)
    parser.add_argument("--grace", type=float, default=15.0, help="seconds orphaned workers get to drain")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    prepare(args.verbose)
    serve(socket.socket(fileno=args.channel_fd), args.http_fd, args.grace)
    return 0


if __name__ == "__main__":
    sys.exit(main())
