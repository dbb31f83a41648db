"""Queue names, message encoding and a send that creates the queue if it is missing.

The Functions host reads queue messages as base64 text by default (``messageEncoding`` in host.json); everything
exchange puts on a queue goes through :func:`encode_body` so that the real host and the emulator read it alike.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from typing import TYPE_CHECKING, Literal

from framework.errors import ConfigurationError, ExchangeError

if TYPE_CHECKING:
    from azure.storage.queue import QueueClient
    from azure.storage.queue.aio import QueueClient as AsyncQueueClient

Encoding = Literal["base64", "none"]

#: Azure Storage queue names: 3-63 chars, lowercase letters, digits and single hyphens, not at either end.
_QUEUE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$")
#: The queue service accepts at most 64 KiB of message text.
MAX_MESSAGE_BYTES = 64 * 1024


class InvalidQueueNameError(ConfigurationError):
    """A queue name that Azure Storage would refuse."""


class MessageTooLargeError(ExchangeError):
    """A message whose encoded text is over the queue service's 64 KiB limit."""


class MessageDecodeError(ExchangeError):
    """A queue message whose text is not valid for the configured encoding."""


def validate_queue_name(name: str) -> str:
    """Return ``name`` if Azure Storage accepts it as a queue name, else raise with the rule that it breaks."""
    if not 3 <= len(name) <= 63 or not _QUEUE_NAME.match(name):
        raise InvalidQueueNameError(
            f"Invalid queue name {name!r}.",
            hint="queue names are 3-63 characters: lowercase letters, digits and single hyphens, "
            "starting and ending with a letter or digit",
        )
    return name


def encode_body(body: str | bytes, encoding: Encoding = "base64") -> str:
    """The text to put on a queue for ``body`` under the host's ``messageEncoding``."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if encoding == "base64":
        text = base64.b64encode(raw).decode("ascii")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MessageDecodeError(
                "Binary message bodies need messageEncoding 'base64'.",
                hint='set extensions.queues.messageEncoding to "base64" in host.json',
            ) from exc
    size = len(text.encode("utf-8"))
    if size > MAX_MESSAGE_BYTES:
        raise MessageTooLargeError(
            f"Message is {size:,} bytes once encoded; the queue service takes at most {MAX_MESSAGE_BYTES:,}.",
            hint="store large payloads in blob storage and queue a reference to them",
        )
    return text


def decode_body(text: str, encoding: Encoding = "base64") -> bytes:
    """The body bytes of a queue message's text; raises :class:`MessageDecodeError` when it is not valid."""
    if encoding == "none":
        return text.encode("utf-8")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MessageDecodeError(
            f"Message text is not valid base64: {text[:60]!r}{'...' if len(text) > 60 else ''}",
            hint='send it base64-encoded, or set extensions.queues.messageEncoding to "none" in host.json',
        ) from exc


def ensure_queue(client: QueueClient) -> None:
    """Create the client's queue unless it already exists."""
    from azure.core.exceptions import ResourceExistsError

    with contextlib.suppress(ResourceExistsError):
        client.create_queue()


def send_text(client: QueueClient, text: str, *, create: bool = True, **kwargs: object) -> str:
    """Send already-encoded ``text``; on a missing queue, create it and send again. Returns the message id.

    The one send-with-create of exchange, with its async twin :func:`send_text_async` (the host's clients).
    """
    from azure.core.exceptions import ResourceNotFoundError

    try:
        return str(client.send_message(text, **kwargs)["id"])  # type: ignore[arg-type]
    except ResourceNotFoundError:
        if not create:
            raise
    ensure_queue(client)
    return str(client.send_message(text, **kwargs)["id"])  # type: ignore[arg-type]


async def send_text_async(client: AsyncQueueClient, text: str, **kwargs: object) -> str:
    """:func:`send_text` for an async client."""
    from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

    try:
        return str((await client.send_message(text, **kwargs))["id"])  # type: ignore[arg-type]
    except ResourceNotFoundError:
        with contextlib.suppress(ResourceExistsError):
            await client.create_queue()
    return str((await client.send_message(text, **kwargs))["id"])  # type: ignore[arg-type]
