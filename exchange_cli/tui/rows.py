"""The rows the live tables show, made from journal entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from emulator.journal.store import JournalEntry

#: Journal kinds shown in the Messages stream, with the short name the table shows.
STREAM_KINDS = {
    "message.in": "in",
    "message.out": "out",
    "message.retry": "retry",
    "processing.retry": "retry",
    "message.poison": "poison",
    "message.dead_lettered": "dead",
    "invocation.end": "done",
}


@dataclass(frozen=True)
class StreamRow:
    """One line of the Messages stream: a message in or out, a retry, a poison, an invocation's end."""

    id: int
    at: datetime
    #: ``in``, ``out``, ``retry``, ``poison``, ``dead`` or ``done``.
    kind: str
    queue: str
    function: str
    status: str
    dequeue_count: int | None
    correlation_id: str
    #: The journal entry behind the row (its data holds the body, the error, ...).
    entry: JournalEntry


@dataclass(frozen=True)
class LogRow:
    """One finished ``@operation``."""

    id: int
    at: datetime
    operation: str
    function: str
    duration_ms: float
    ok: bool
    error: str
    correlation_id: str
    entry: JournalEntry


def _status(entry: JournalEntry, kind: str) -> str:
    if entry.status:
        return entry.status
    return {"in": "received", "out": "sent", "retry": "retrying", "poison": "poison", "dead": "dead-lettered"}.get(
        kind, ""
    )


def stream_row(entry: JournalEntry, dequeue_count: int | None = None) -> StreamRow:
    """The stream row of a message or invocation-end entry."""
    kind = STREAM_KINDS[entry.kind]
    count = entry.data.get("dequeue_count", dequeue_count)
    return StreamRow(
        id=entry.id or 0,
        at=entry.at,
        kind=kind,
        queue=entry.queue or str(entry.data.get("queue") or ""),
        function=entry.function or str(entry.data.get("processor") or ""),
        status=_status(entry, kind),
        dequeue_count=count if isinstance(count, int) else None,
        correlation_id=entry.correlation_id or "",
        entry=entry,
    )


def log_row(entry: JournalEntry) -> LogRow:
    """The log row of an ``operation.end`` entry."""
    data = entry.data
    return LogRow(
        id=entry.id or 0,
        at=entry.at,
        operation=str(data.get("operation", "?")),
        function=entry.function or "",
        duration_ms=float(data.get("duration_ms") or 0.0),
        ok=bool(data.get("ok", True)),
        error=str(data.get("error") or ""),
        correlation_id=entry.correlation_id or "",
        entry=entry,
    )
