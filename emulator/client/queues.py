"""Operations on a host's queues from outside it: send, look at poison queues, replay, delete.

Used by ``exchange send`` and ``exchange poison ...`` and by the TUI. Replay is at-least-once: a poison message
is sent back to its queue before it is deleted from the poison queue, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emulator.client.storage_errors import explained
from framework.queues import (
    Encoding,
    MessageDecodeError,
    decode_body,
    encode_body,
    ensure_queue,
    send_text,
    validate_queue_name,
)
from framework.storage import queue_client

POISON_SUFFIX = "-poison"
#: Replay leases each poison message this long: long enough to send it on, short enough to retry after a crash.
REPLAY_LEASE_S = 30


@dataclass(frozen=True)
class QueuedMessage:
    """A message seen on a queue, without taking it."""

    #: The queue service's message id.
    id: str
    #: The body, decoded when the encoding allows it; else the raw text.
    body: str
    #: How often it has been received.
    dequeue_count: int
    #: When it was put on the queue.
    inserted_on: datetime | None
    #: False when the text is not valid for the encoding (shown raw in ``body``).
    decoded: bool

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (``exchange poison list --json``)."""
        return {
            "id": self.id,
            "body": self.body,
            "dequeue_count": self.dequeue_count,
            "inserted_on": self.inserted_on.isoformat() if self.inserted_on else None,
            "decoded": self.decoded,
        }


def poison_queue_name(queue: str) -> str:
    """The host's poison queue for ``queue``."""
    return f"{queue}{POISON_SUFFIX}"


@explained
def send(storage: str, queue: str, bodies: Iterable[str | bytes], encoding: Encoding = "base64") -> list[str]:
    """Put each body on ``queue`` (created if missing), encoded as the host reads it. Returns the message ids."""
    client = queue_client(validate_queue_name(queue), storage)
    try:
        texts = [encode_body(body, encoding) for body in bodies]  # all checked before any is sent
        ensure_queue(client)
        return [send_text(client, text) for text in texts]
    finally:
        client.close()


def _show(text: str, encoding: Encoding) -> tuple[str, bool]:
    try:
        return decode_body(text, encoding).decode("utf-8"), True
    except (MessageDecodeError, UnicodeDecodeError):
        return text, False


@explained
def peek(storage: str, queue: str, encoding: Encoding = "base64", limit: int = 32) -> list[QueuedMessage]:
    """The first ``limit`` (at most 32, the service's peek limit) messages of ``queue``; empty if it is missing."""
    from azure.core.exceptions import ResourceNotFoundError

    client = queue_client(queue, storage)
    try:
        found = []
        for msg in client.peek_messages(max_messages=max(1, min(limit, 32))):
            body, decoded = _show(msg.content, encoding)
            found.append(QueuedMessage(msg.id, body, msg.dequeue_count or 0, msg.inserted_on, decoded))
        return found
    except ResourceNotFoundError:
        return []
    finally:
        client.close()


def _take(client: Any, wanted: Callable[[Any], bool], limit: int | None) -> list[Any]:
    """Lease the messages that ``wanted`` accepts (up to ``limit``); the rest are held only while scanning.

    Holding the others (rather than releasing each at once) is what lets the scan reach past the first 32.
    """
    taken: list[Any] = []
    held: list[Any] = []
    try:
        while limit is None or len(taken) < limit:
            batch = list(client.receive_messages(max_messages=32, visibility_timeout=REPLAY_LEASE_S))
            if not batch:
                break
            for msg in batch:
                fits = wanted(msg) and (limit is None or len(taken) < limit)
                (taken if fits else held).append(msg)
    finally:
        for msg in held:
            client.update_message(msg, visibility_timeout=0)
    return taken


@explained
def replay(storage: str, queue: str, *, limit: int | None = None, message_id: str | None = None) -> int:
    """Move messages from ``<queue>-poison`` back to ``queue`` (text unchanged). Returns how many moved."""
    from azure.core.exceptions import ResourceNotFoundError

    source = queue_client(poison_queue_name(queue), storage)
    target = queue_client(validate_queue_name(queue), storage)
    try:
        taken = _take(source, lambda m: message_id is None or m.id == message_id, 1 if message_id else limit)
        for msg in taken:
            send_text(target, msg.content)  # first sent on, then deleted: a crash between repeats, never loses
            source.delete_message(msg)
        return len(taken)
    except ResourceNotFoundError:
        return 0
    finally:
        source.close()
        target.close()


@explained
def delete(storage: str, queue: str, message_id: str) -> bool:
    """Delete one message (by id) from ``queue``; False when it is not there."""
    from azure.core.exceptions import ResourceNotFoundError

    client = queue_client(queue, storage)
    try:
        taken = _take(client, lambda m: m.id == message_id, 1)
        for msg in taken:
            client.delete_message(msg)
        return bool(taken)
    except ResourceNotFoundError:
        return False
    finally:
        client.close()
