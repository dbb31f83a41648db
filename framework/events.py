"""What the framework does, published as events.

This is the one seam through which a host (the emulator, a test, a log shipper) learns what happens inside a
processor: operations starting and ending, entities persisted, state transitions, outputs routed, errors, retries
and dead letters. Sinks are plain callables; with none installed, events go to the ``framework.events`` logger at
DEBUG level. Sinks belong to the runtime in force (:mod:`framework.runtime`), so two hosts in one process each see
only their own events. A sink must be fast and must not raise: the emulator's sink only appends to a buffer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from framework.context import current_correlation_id, current_runtime, current_tenant_id
from framework.event import Event, EventKind, Sink

__all__ = ["Event", "EventKind", "Sink", "add_sink", "capture", "emit", "remove_sink"]

_log = logging.getLogger("framework.events")


def add_sink(sink: Sink) -> None:
    """Send every event of the runtime in force from now on to ``sink`` too."""
    current_runtime().sinks.add(sink)


def remove_sink(sink: Sink) -> None:
    """Stop sending the runtime's events to ``sink``."""
    current_runtime().sinks.remove(sink)


@contextmanager
def capture() -> Iterator[list[Event]]:
    """Collect the events emitted inside the block under the runtime in force (for tests and tools)."""
    seen: list[Event] = []
    sinks = current_runtime().sinks
    sinks.add(seen.append)
    try:
        yield seen
    finally:
        sinks.remove(seen.append)


def emit(kind: EventKind, **data: Any) -> Event:
    """Publish an event, stamped with the current correlation id and tenant."""
    event = Event(kind, data, current_correlation_id(), current_tenant_id())
    sinks = current_runtime().sinks.snapshot()
    if not sinks:
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("%s %s", kind, data)
        return event
    for sink in sinks:
        try:
            sink(event)
        except Exception:  # a broken sink must never break processing
            _log.exception("event sink %r failed on %s", sink, kind)
    return event
