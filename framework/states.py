"""Processing states, the transitions between them and error records, as values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["ProcessingErrorRecord", "ProcessingState", "StateTransition", "TransitionRecord"]


class ProcessingState(StrEnum):
    """Where a message is in its processing; stored as the plain string."""

    RECEIVED = "received"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    RETRYING = "retrying"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True)
class StateTransition:
    """A recorded move from one state to another."""

    #: The tenant it belongs to.
    tenant_id: str
    #: The message being processed.
    message_id: str
    #: The state it reached.
    to_state: str
    #: The state it left (None for the first one).
    from_state: str | None
    #: The entity concerned, if any.
    entity_id: str | None
    #: The correlation id in force when it was recorded.
    correlation_id: str | None
    #: The processor that recorded it.
    processor: str
    #: Anything else worth keeping (JSON values).
    details: dict[str, Any]
    #: When it happened (UTC).
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "tenant_id": self.tenant_id,
            "message_id": self.message_id,
            "to_state": self.to_state,
            "from_state": self.from_state,
            "entity_id": self.entity_id,
            "correlation_id": self.correlation_id,
            "processor": self.processor,
            "details": self.details,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class TransitionRecord:
    """A transition to record: ``message_id`` went from ``from_state`` to ``to_state``."""

    #: The message that moved.
    message_id: str
    #: The state it reached.
    to_state: ProcessingState | str
    #: The state it left (None for the first one).
    from_state: ProcessingState | str | None = None
    #: The entity concerned, if any.
    entity_id: str | None = None
    #: Anything else worth keeping (JSON values).
    details: dict[str, Any] | None = None


@dataclass(frozen=True)
class ProcessingErrorRecord:
    """A recorded processing error."""

    #: The tenant it belongs to.
    tenant_id: str
    #: The message whose processing failed.
    message_id: str
    #: The processor that failed.
    processor: str
    #: The kind of error (usually the exception class name).
    error_type: str
    #: The error's message.
    error_message: str
    #: A stable code for the error, if the processor gave one.
    error_code: str | None
    #: The entity concerned, if any.
    entity_id: str | None
    #: Whether a retry may succeed.
    retryable: bool
    #: Which attempt failed, from 1.
    attempt: int
    #: Anything else worth keeping (JSON values).
    details: dict[str, Any]
    #: When it happened (UTC).
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "tenant_id": self.tenant_id,
            "message_id": self.message_id,
            "processor": self.processor,
            "error_type": self.error_type,
            "error_message": self.error_message,
            "error_code": self.error_code,
            "entity_id": self.entity_id,
            "retryable": self.retryable,
            "attempt": self.attempt,
            "details": self.details,
            "at": self.at.isoformat(),
        }
