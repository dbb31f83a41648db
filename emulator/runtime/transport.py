"""The host's queue transport: every queue send of a host goes through it.

Output bindings, poison moves, and — installed into the framework through the host's
:class:`framework.runtime.Runtime`, never by monkeypatching — processor outputs, retries and dead letters. It sends
with the host's own async clients on the host's event loop, encodes as host.json's ``messageEncoding`` says,
journals each send as ``message.out`` of the invocation it belongs to, and wakes this host's poller of the queue it
sent to, so a hop between two local functions costs no polling interval. A delayed send (a retry) wakes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from emulator.journal.store import truncate
from emulator.runtime.storage import StorageClients
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
        *,
        encoding: Encoding,
        record: Record,
        on_sent: Callable[[str], None],
    ) -> None:
        self.clients = clients
        self.storage = storage
        self.encoding = encoding
        self._record = record
        self._on_sent = on_sent
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_loop_fallback = StorageQueueTransport(encoding)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop the host runs on (functions' threads hand their sends to it)."""
        self._loop = loop

    async def send_texts(
        self, conn: str, queue: str, texts: list[str], shown: list[str] | None = None, **options: int
    ) -> list[str]:
        """Send already-encoded ``texts``; journal each (``shown``: the bodies as the journal shows them, None:
        not journaled); wake the poller of ``queue`` unless the messages are delayed. Returns the message ids."""
        ids = list(await asyncio.gather(*(self.clients.send(conn, queue, text, **options) for text in texts)))
        delay = options.get("visibility_timeout")
        for body, message_id in zip(shown or [], ids, strict=False):
            self._record("message.out", queue=queue, message_id=message_id, body=body, **_delayed(delay))
        if ids and not delay:
            self._on_sent(queue)
        return ids

    def send(self, queue: str, body: str, *, connection: str | None = None, delay_s: float = 0, **options: int) -> str:
        """The framework's seam (:class:`framework.transport.QueueTransport`), called from a function's thread."""
        validate_queue_name(queue)
        conn = resolve_connection_string(connection) if connection else self.storage
        kwargs: dict[str, Any] = send_options(delay_s, options)
        loop = self._loop
        if loop is None or _on_loop(loop):  # not started, or an async function: blocking here would stall the loop
            message_id = self._on_loop_fallback.send(queue, body, connection=conn, delay_s=delay_s, **options)
            self._record("message.out", queue=queue, message_id=message_id, body=truncate(body))
            return message_id
        text = encode_body(body, self.encoding)
        sending = self.send_texts(conn, queue, [text], [truncate(body)], **kwargs)
        return asyncio.run_coroutine_threadsafe(sending, loop).result()[0]

    def close(self) -> None:
        """Close the fallback's clients (the host closes its own)."""
        self._on_loop_fallback.close()


def _delayed(delay: int | None) -> dict[str, Any]:
    return {"data": {"delay_s": delay}} if delay else {}


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
