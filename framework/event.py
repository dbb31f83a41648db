"""What one event is: the value type :mod:`framework.events` publishes and a sink receives.

Kept apart from publishing (which needs the runtime in force) so that the runtime, which owns the sinks, can name
the type without importing the module that reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

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


#: Where events go: a fast callable that never raises.
Sink = Callable[[Event], None]
