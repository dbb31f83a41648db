"""The supervisor <-> worker control channel: JSON lines over a socketpair.

The worker's stdout and stderr stay the user's (their ``print`` and logging reach the terminal), so control
traffic has a channel of its own: one end of a ``socket.socketpair()`` passed to the child by file descriptor.

Supervisor to worker: ``{"cmd": "warm"|"load"|"start"|"drain", ...}`` (``warm``: open these queues before the
code is known). Worker to supervisor:
``{"event": "ready"|"loaded"|"load_failed"|"started"|"drained", ...}``. End of file on either side means the
other one is gone: a worker whose supervisor died drains and exits.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from typing import Any

#: How often a cancellable wait looks at its cancel event.
CANCEL_CHECK_S = 0.05


class ControlChannel:
    """The supervisor's end: send commands, wait for events (read by a background thread)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        #: Every kind of event the worker has said so far (``ready`` once it is warm).
        self.seen: set[str] = set()
        self._reader = threading.Thread(target=self._read, name="worker-control", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            with self._sock.makefile("r", encoding="utf-8") as lines:
                for line in lines:
                    if line.strip():
                        event = json.loads(line)
                        self.seen.add(str(event.get("event")))
                        self._events.put(event)
        except OSError:  # reset: the worker exited with a command of ours unread (it had already stopped)
            pass
        finally:
            self._events.put(None)  # the worker is gone

    def send(self, cmd: str, **data: Any) -> bool:
        """Send a command; False when the worker is gone."""
        try:
            self._sock.sendall((json.dumps({"cmd": cmd, **data}) + "\n").encode())
        except OSError:
            return False
        return True

    def wait(self, *events: str, timeout: float, cancel: threading.Event | None = None) -> dict[str, Any] | None:
        """The next event among ``events`` within ``timeout`` s; None on timeout, when the worker is gone, or soon
        after ``cancel`` is set (Ctrl-C must not wait for a worker stuck in an import)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0 and not (cancel is not None and cancel.is_set()):
            try:
                event = self._events.get(timeout=min(left, CANCEL_CHECK_S) if cancel is not None else left)
            except queue.Empty:
                continue
            if event is None:
                self._events.put(None)  # keep "gone" visible to later waits
                return None
            if event.get("event") in events:
                return event
        return None

    def close(self) -> None:
        """Close the supervisor's end (the worker sees end of file)."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
