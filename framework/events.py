"""What the framework does, published as events.

This is the one seam through which a host (the emulator, a test, a log shipper) learns what happens inside a
processor: operations starting and ending, entities persisted, state transitions, outputs routed, errors, retries
and dead letters. Sinks are plain callables; with none installed, events go to the ``framework.events`` logger at
DEBUG level. A sink must be fast and must not raise: the emulator's sink only appends to an in-memory buffer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from framework.context import current_correlation_id, current_tenant_id

EventKind = Literal[
    "operation.start",
    "operation.end",
    "entity.persisted",
    "entity.duplicate",
    "state.transition",
    "output.routed",
    "processing.error",
    "processing.retry",
    "message.dead_lettered",
    "message.completed",
]

Sink = Callable[["Event"], None]

_log = logging.getLogger("framework.events")
_sinks: list[Sink] = []
_lock = threading.Lock()


@dataclass(frozen=True)
class Event:
    """One thing the framework did."""

    #: What happened.
    kind: EventKind
    #: Details; JSON-serialisable values only.
    data: dict[str, Any] = field(default_factory=dict)
    #: The correlation id in force when it happened (see :mod:`framework.context`).
    correlation_id: str | None = None
    #: The tenant in force when it happened.
    tenant_id: str | None = None
    #: When it happened (UTC).
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "kind": self.kind,
            "data": self.data,
            "correlation_id": self.correlation_id,
            "tenant_id": self.tenant_id,
            "at": self.at.isoformat(),
        }


def add_sink(sink: Sink) -> None:
    """Send every event from now on to ``sink`` too."""
    with _lock:
        _sinks.append(sink)


def remove_sink(sink: Sink) -> None:
    """Stop sending events to ``sink``."""
    with _lock:
        if sink in _sinks:
            _sinks.remove(sink)


@contextmanager
def capture() -> Iterator[list[Event]]:
    """Collect the events emitted inside the block (for tests and tools)."""
    seen: list[Event] = []
    add_sink(seen.append)
    try:
        yield seen
    finally:
        remove_sink(seen.append)


def emit(kind: EventKind, **data: Any) -> Event:
    """Publish an event, stamped with the current correlation id and tenant."""
    event = Event(kind, data, current_correlation_id(), current_tenant_id())
    if not _sinks:
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("%s %s", kind, data)
        return event
    for sink in list(_sinks):
        try:
            sink(event)
        except Exception:  # a broken sink must never break processing
            _log.exception("event sink %r failed on %s", sink, kind)
    return event
