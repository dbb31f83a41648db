"""Every given-up message in one view: the framework's dead letters and the host's ``<queue>-poison`` queues.

A dead letter of the framework (``ProcessorConfig.dead_letter_queue``, ``dead-letter`` by default) carries the
original envelope and why it failed (error code, message, attempts, processor, time, source queue). A poison
message is the original text only; why the host moved it (the reason, the function, when) is read from the host's
journal. :func:`replay` sends the original back to its source queue with its attempt count reset, then deletes the
dead letter (in that order: a crash between the two repeats a message, never loses one).

Used by ``exchange dead-letters ...`` and the TUI's Poison view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from emulator.client.queues import POISON_SUFFIX, _take
from emulator.client.storage_errors import explained
from framework.errors import ExchangeError
from framework.queues import Encoding, MessageDecodeError, decode_body, encode_body, send_text, validate_queue_name
from framework.storage import queue_client, queue_service_client

#: The framework's default dead-letter queue (and the prefix of others the view picks up by name).
DEAD_LETTER_QUEUE = "dead-letter"


class DeadLetterNotFoundError(ExchangeError):
    """No dead letter or poison message with that id."""


@dataclass(frozen=True)
class DeadLetter:
    """A message that was given up on, where it sits and why."""

    #: The queue service's id of the dead letter (what ``show``, ``replay`` and ``delete`` take).
    id: str
    #: The queue it sits in (``dead-letter`` or ``<queue>-poison``).
    queue: str
    #: ``dead-letter`` (the framework gave up) or ``poison`` (the host did, after maxDequeueCount or bad text).
    kind: str
    #: Where it came from and goes back to on replay (None when unknown: replay needs ``to=``).
    source_queue: str | None
    #: The original message text (an envelope's JSON, or whatever was sent).
    original: str
    #: The original's message id, when it was an envelope.
    message_id: str | None
    #: error_type, error_code, error_message, attempts, processor (or function), failed_at, category, fault.
    failure: dict[str, Any] = field(default_factory=dict)
    #: When it was put where it is.
    inserted_on: datetime | None = None

    @property
    def reason(self) -> str:
        """One line: why it was given up on."""
        code = self.failure.get("error_code")
        message = str(self.failure.get("error_message") or self.failure.get("reason") or "no reason recorded")
        return f"{code}: {message}" if code else message

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (``exchange dead-letters ... --json``)."""
        return {
            "id": self.id,
            "queue": self.queue,
            "kind": self.kind,
            "source_queue": self.source_queue,
            "message_id": self.message_id,
            "reason": self.reason,
            "failure": self.failure,
            "original": self.original,
            "inserted_on": self.inserted_on.isoformat() if self.inserted_on else None,
        }


def is_dead_letter_queue(name: str) -> bool:
    """Queues the view reads: the framework's dead-letter queue(s) and the host's poison queues."""
    return name.startswith(DEAD_LETTER_QUEUE) or name.endswith(POISON_SUFFIX)


def dead_letter_queues(storage: str) -> list[str]:
    """The dead-letter and poison queues of the storage account, by name."""
    service = queue_service_client(storage)
    try:
        return sorted(q.name for q in service.list_queues() if is_dead_letter_queue(q.name))
    finally:
        service.close()


def read(queue: str, message_id: str, text: str, encoding: Encoding, **extra: Any) -> DeadLetter:
    """A dead letter from the text of a message in ``queue``."""
    try:
        body = decode_body(text, encoding).decode("utf-8")
    except (MessageDecodeError, UnicodeDecodeError):
        body = text
    if queue.endswith(POISON_SUFFIX):
        return DeadLetter(message_id, queue, "poison", queue.removesuffix(POISON_SUFFIX), body, _id_of(body), **extra)
    try:
        letter = json.loads(body)
        original, failure = letter.get("original"), dict(letter["failure"])
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return DeadLetter(message_id, queue, "dead-letter", None, body, None, {"reason": "not a dead letter"}, **extra)
    text_of = json.dumps(original) if original is not None else str(letter.get("original_raw") or "")
    source = failure.get("source_queue")
    return DeadLetter(message_id, queue, "dead-letter", source, text_of, _id_of(text_of), failure, **extra)


@explained
def list_dead_letters(
    storage: str, encoding: Encoding = "base64", *, journal: Path | None = None, limit: int = 32
) -> list[DeadLetter]:
    """What sits in every dead-letter and poison queue (the first ``limit``, at most 32, of each)."""
    reasons = poison_reasons(journal) if journal is not None else {}
    found: list[DeadLetter] = []
    for queue in dead_letter_queues(storage):
        client = queue_client(queue, storage)
        try:
            for msg in client.peek_messages(max_messages=max(1, min(limit, 32))):
                letter = read(queue, msg.id, msg.content, encoding, inserted_on=msg.inserted_on)
                if letter.kind == "poison":
                    letter = _with_reason(letter, reasons.get((letter.source_queue or "", letter.original), {}))
                found.append(letter)
        finally:
            client.close()
    return found


def show(storage: str, letter_id: str, encoding: Encoding = "base64", *, journal: Path | None = None) -> DeadLetter:
    """One dead letter by id (a queue service message id, or the original message id)."""
    for letter in list_dead_letters(storage, encoding, journal=journal):
        if letter_id in (letter.id, letter.message_id):
            return letter
    raise _not_found(letter_id)


@explained
def replay(storage: str, letter_id: str, encoding: Encoding = "base64", *, to: str | None = None) -> DeadLetter:
    """Send the original back to its source queue (or ``to``) with its attempt count reset; delete the letter."""
    for queue in dead_letter_queues(storage):
        client = queue_client(queue, storage)
        try:
            taken = _take(client, lambda m: m.id == letter_id, 1)
            for msg in taken:
                letter = read(queue, msg.id, msg.content, encoding)
                target = to or letter.source_queue
                if not target:
                    client.update_message(msg, visibility_timeout=0)
                    raise ExchangeError(
                        f"Dead letter {letter_id} does not say which queue it came from.",
                        hint="name it: exchange dead-letters replay ID --to QUEUE",
                    )
                _send(storage, target, encode_body(_reset(letter.original), encoding))
                client.delete_message(msg)  # after the send: a crash in between repeats it, never loses it
                return letter
        finally:
            client.close()
    raise _not_found(letter_id)


@explained
def delete(storage: str, letter_id: str) -> str:
    """Delete one dead letter by id; the queue it was in."""
    for queue in dead_letter_queues(storage):
        client = queue_client(queue, storage)
        try:
            for msg in _take(client, lambda m: m.id == letter_id, 1):
                client.delete_message(msg)
                return queue
        finally:
            client.close()
    raise _not_found(letter_id)


def poison_reasons(journal_path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(source queue, body) -> why the host poisoned it: reason, function, failed_at (the latest such entry)."""
    from emulator.journal.store import Journal

    if not journal_path.exists():
        return {}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in Journal(journal_path).read(0, 100_000, kinds=["message.poison"]):
        key = (entry.queue or "", str(entry.data.get("body") or ""))
        found[key] = {
            "reason": entry.data.get("reason"),
            "error_message": entry.data.get("reason"),
            "processor": entry.function,
            "failed_at": entry.at.isoformat(),
        }
    return found


def _send(storage: str, queue: str, text: str) -> None:
    client = queue_client(validate_queue_name(queue), storage)
    try:
        send_text(client, text)
    finally:
        client.close()


def _with_reason(letter: DeadLetter, why: dict[str, Any]) -> DeadLetter:
    from dataclasses import replace

    return replace(letter, failure=why) if why else letter


def _id_of(text: str) -> str | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # deeply nested JSON is still a message, shown raw
        return None
    value = data.get("message_id") if isinstance(data, dict) and "envelope_version" in data else None
    return str(value) if value else None


def _reset(text: str) -> str:
    """The original with its attempt count reset (an envelope); other text as it was."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return text
    if isinstance(data, dict) and "envelope_version" in data:
        data["retry_count"] = 0
        return json.dumps(data, separators=(",", ":"))
    return text


def _not_found(letter_id: str) -> DeadLetterNotFoundError:
    return DeadLetterNotFoundError(
        f"No dead letter or poison message {letter_id!r}.", hint="exchange dead-letters list shows their ids"
    )
