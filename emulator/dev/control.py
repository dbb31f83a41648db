"""The supervisor's end of the control channel to one worker: typed messages as JSON lines over a socketpair.

The worker's stdout and stderr stay the user's (their ``print`` and logging reach the terminal), so control
traffic has a channel of its own: one end of a ``socket.socketpair()`` passed to the child by file descriptor.
What crosses it is :mod:`emulator.dev.protocol`: commands one way, events the other. End of file on either side
means the other one is gone: a worker whose supervisor died drains and exits.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import threading
import time

from emulator.dev import protocol
from emulator.dev.protocol import Command, Event, ProtocolError

log = logging.getLogger("exchange.dev")

#: How often a cancellable wait looks at its cancel event.
CANCEL_CHECK_S = 0.05


class ControlChannel:
    """The supervisor's end: send commands, wait for events (read by a background thread)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._events: queue.Queue[Event | None] = queue.Queue()
        #: Every kind of event the worker has said so far (``ready`` once it is warm).
        self.seen: set[type[Event]] = set()
        self._reader = threading.Thread(target=self._read, name="worker-control", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            with self._sock.makefile("rb") as lines:
                for line in lines:
                    if line.strip():
                        event = protocol.decode_event(line)
                        self.seen.add(type(event))
                        self._events.put(event)
        except ProtocolError as error:  # a worker from another checkout, or a bug: treat it as gone, say why
            log.error("worker control channel: %s", error)
        except OSError:  # reset: the worker exited with a command of ours unread (it had already stopped)
            pass
        finally:
            self._events.put(None)  # the worker is gone

    def send(self, command: Command) -> bool:
        """Send a command; False when the worker is gone."""
        try:
            self._sock.sendall(protocol.encode(command))
        except OSError:
            return False
        return True

    def wait(self, *kinds: type[Event], timeout: float, cancel: threading.Event | None = None) -> Event | None:
        """The next event of one of ``kinds`` within ``timeout`` s (others are skipped); None on timeout, when the
        worker is gone, or soon after ``cancel`` is set (Ctrl-C must not wait for a worker stuck in an import)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0 and not (cancel is not None and cancel.is_set()):
            try:
                event = self._events.get(timeout=min(left, CANCEL_CHECK_S) if cancel is not None else left)
            except queue.Empty:
                continue
            if event is None:
                self._events.put(None)  # keep "gone" visible to later waits
                return None
            if isinstance(event, kinds):
                return event
        return None

    def close(self) -> None:
        """Close the supervisor's end (the worker sees end of file)."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
