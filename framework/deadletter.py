"""Dead letters: a failed message, whole, with why it failed, on an Azure Storage queue.

The dead-letter body is JSON: ``{"dead_letter_version": 1, "original": <the message envelope>, "failure":
{error_type, error_message, error_code, category, retryable, attempts, processor, failed_at}}``, base64-encoded
like every queue message. Data that was not a message at all has ``"original": null, "original_raw": <text>``.
``read_dead_letter`` reads one back (for tools and for replaying the original).
"""

from __future__ import annotations

import json
from typing import Any

from framework import events
from framework.errors import DeadLetterError
from framework.failure import Failure
from framework.message import Message
from framework.outputs.queue import send_to_queue

DEAD_LETTER_VERSION = 1


def dead_letter_body(message: Message, failure: Failure) -> dict[str, Any]:
    """The JSON body of the dead letter for ``message``."""
    return {"dead_letter_version": DEAD_LETTER_VERSION, "original": message.to_dict(), "failure": failure.to_dict()}


def send_dead_letter(message: Message | str, failure: Failure, queue: str, connection_string: str | None = None) -> str:
    """Put the dead letter on ``queue``; raises :class:`DeadLetterError` when that is impossible.

    ``message`` is the failed Message, or the raw text of data that could not even be read as one (then the body
    has ``"original": null`` and ``"original_raw": <the text>``).
    """
    if isinstance(message, Message):
        body, message_id = dead_letter_body(message, failure), message.message_id
    else:
        body = {"dead_letter_version": DEAD_LETTER_VERSION, "original": None, "original_raw": message}
        body["failure"], message_id = failure.to_dict(), None
    try:
        queue_message_id = send_to_queue(queue, json.dumps(body, default=str), connection_string)
    except Exception as exc:
        raise DeadLetterError(
            f"Message {message_id or '(unreadable)'} failed ({failure.error_type}) and could not be dead-lettered "
            f"to queue {queue!r}: {exc}",
            hint="check AzureWebJobsStorage / the storage account; the host will retry the message",
        ) from exc
    events.emit(
        "message.dead_lettered",
        message_id=message_id,
        queue=queue,
        processor=failure.processor,
        error_type=failure.error_type,
        error_message=failure.error_message,
        attempts=failure.attempt,
    )
    return queue_message_id


def read_dead_letter(data: dict[str, Any] | str) -> tuple[Message | None, dict[str, Any]]:
    """The original message (None for unreadable data) and the failure details of a dead letter."""
    body = json.loads(data) if isinstance(data, str) else data
    original = body.get("original")
    return (Message.from_dict(original) if original else None), dict(body["failure"])
