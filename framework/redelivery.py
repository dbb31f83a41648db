"""Retries ride the queue: a retryable failure sends the message back to its source queue with a delay.

The copy keeps the message's id and correlation id and carries its attempt count (``retry_count``) in the
envelope; the policy's backoff becomes the queue's initial visibility delay (whole seconds, at most 7 days: see
:mod:`framework.transport`). It is sent *before* the current delivery completes, so a crash between the two steps
runs the message twice, never loses it; the host's lease and ``maxDequeueCount`` still protect a crash during the
invocation. Nothing sleeps and no worker thread is held while a message waits for its next attempt.
"""

from __future__ import annotations

import dataclasses

from framework.context import current_runtime
from framework.errors import ServiceOutageError
from framework.message import Message, MessageType
from framework.transport import visibility_delay

#: Message types that arrive by a queue trigger (the others come from HTTP requests and timer ticks).
QUEUED_TYPES = (MessageType.QUEUE, MessageType.ENTITY)


def next_attempt(message: Message) -> Message:
    """The copy of ``message`` that is its next attempt: same ids, ``retry_count`` + 1."""
    return dataclasses.replace(message, retry_count=message.retry_count + 1, metadata=dict(message.metadata))


def schedule_retry(
    message: Message, queue: str, delay_s: float, connection: str | None, processor: str, *, cause: str
) -> int:
    """Send the next attempt of ``message`` to ``queue``, visible in ``delay_s``; the delay used, in seconds.

    Raises :class:`ServiceOutageError` when the queue cannot take it: the current delivery must then fail, so
    the host keeps the message (and retries it after its visibility timeout). Its text says both what failed
    (``cause``) and why the retry could not be sent.
    """
    delay = visibility_delay(delay_s)
    try:
        current_runtime().transport.send(queue, next_attempt(message).to_json(), connection=connection, delay_s=delay)
    except Exception as exc:
        raise ServiceOutageError(
            f"{processor} failed on message {message.message_id} ({cause}) and could not schedule its retry on "
            f"queue {queue!r}: {exc}",
            hint="the message stays on its queue and the Functions host retries it",
        ) from exc
    return delay
