"""The host's queue transport: what processor outputs, retries and dead letters use under ``exchange dev``.

Installed into the framework through the host's :class:`framework.runtime.Runtime` (never by monkeypatching), it
sends with the host's own async clients on the host's event loop, encodes as host.json's ``messageEncoding`` says,
journals each send as ``message.out`` of the invocation it belongs to, and wakes this host's poller of the queue it
sent to, so a hop between two local functions costs no polling interval. A delayed send (a retry) wakes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from emulator.journal import truncate
from emulator.storage_io import StorageClients
from framework.queues import Encoding, encode_body, validate_queue_name
from framework.storage import resolve_connection_string
from framework.transport import StorageQueueTransport, send_options

#: Journals one entry (the invoker's, which ties it to the invocation in force).
Record = Callable[..., None]


class HostQueueTransport:
    """Sends through a running host's clients and loop."""

    def __init__(
        self,
        clients: StorageClients,
        storage: str,
        loop: asyncio.AbstractEventLoop,
        *,
        encoding: Encoding,
        record: Record,
        on_sent: Callable[[str], None],
    ) -> None:
        self.clients = clients
        self.storage = storage
        self.encoding = encoding
        self._loop = loop
        self._record = record
        self._on_sent = on_sent
        self._on_loop_fallback = StorageQueueTransport(encoding)

    def send(self, queue: str, body: str, *, connection: str | None = None, delay_s: float = 0, **options: int) -> str:
        """Send ``body`` to ``queue`` from a function's thread; returns the message id once the service has it."""
        validate_queue_name(queue)
        conn = resolve_connection_string(connection) if connection else self.storage
        text = encode_body(body, self.encoding)
        kwargs: dict[str, Any] = send_options(delay_s, options)
        if _on_loop(self._loop):  # an async function: blocking here would stall the loop that must do the send
            message_id = self._on_loop_fallback.send(queue, body, connection=conn, delay_s=delay_s, **options)
        else:
            future = asyncio.run_coroutine_threadsafe(self.clients.send(conn, queue, text, **kwargs), self._loop)
            message_id = future.result()
        data = {"delay_s": kwargs["visibility_timeout"]} if "visibility_timeout" in kwargs else {}
        self._record("message.out", queue=queue, message_id=message_id, body=truncate(body), data=data)
        if not data:
            self._loop.call_soon_threadsafe(self._on_sent, queue)
        return message_id

    def close(self) -> None:
        """Close the fallback's clients (the host closes its own)."""
        self._on_loop_fallback.close()


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
