"""Answering HTTP while no worker can: the app failed to load, so every request gets 503 and the load error at once.

The supervisor binds the HTTP socket once and the workers accept on it. While the code cannot load there is no
worker, and requests used to wait in the listen backlog until the client gave up (one waited 12 minutes). The real
host answers 503 ("Function host is not running.") while it is in the Error state and reports that state on
``/admin/host/status``; :class:`Standby` does the same from the supervisor, with the load error (file:line) in the
body, until the supervisor stops it to let a worker on fixed code take the socket again.
"""

from __future__ import annotations

import json
import select
import socket
import threading
from pathlib import Path

from emulator.triggers.http.host_endpoints import status_document

#: How long one connection may take to send its request head (a client that sends nothing is not waited for).
READ_TIMEOUT_S = 2.0
_MAX_HEAD = 64 * 1024


def _response(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\nRetry-After: 1\r\n\r\n"
    )
    return head.encode("ascii") + body


def answer(request_line: str, error: str, deployment_dir: Path) -> bytes:
    """The whole response to one request while the app is not loaded."""
    parts = request_line.split()
    method, path = (parts[0].upper(), parts[1].split("?", 1)[0]) if len(parts) >= 2 else ("", "")
    if method == "GET" and path.rstrip("/") == "/admin/host/status":
        status = status_document(deployment_dir, state="Error", errors=[error])  # the running host's shape
        return _response("200 OK", "application/json; charset=utf-8", json.dumps(status).encode())
    body = f"Function host is not running.\n{error}\n".encode()  # the host's words, then why
    return _response("503 Service Unavailable", "text/plain; charset=utf-8", body)


class Standby:
    """Accepts on ``sock`` in a thread and answers every request with :func:`answer` until :meth:`stop`."""

    def __init__(self, sock: socket.socket, error: str, deployment_dir: Path) -> None:
        self._sock = sock
        self.error = error
        self.deployment_dir = deployment_dir
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="http-standby", daemon=True)

    def start(self) -> Standby:
        """Begin answering."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting (returns within ~0.1 s); connections already accepted are still answered."""
        self._stop.set()
        self._thread.join(2.0)

    def _serve(self) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self._sock], [], [], 0.1)
            if not readable:
                continue
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, OSError):
                continue  # another process took it, or the socket closed
            threading.Thread(target=self._handle, args=(conn,), name="http-standby-conn", daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(READ_TIMEOUT_S)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < _MAX_HEAD:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                conn.sendall(answer(head.split(b"\r\n", 1)[0].decode("latin-1"), self.error, self.deployment_dir))
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65536):  # read what is left of a body, so closing does not reset the connection
                    pass
            except OSError:
                return
