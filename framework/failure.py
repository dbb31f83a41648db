"""A failure of one message, as recorded, reported and attached to dead letters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from framework.classify import ErrorCategory


@dataclass
class Failure:
    """Why processing a message failed."""

    #: The exception type name, or a name for a returned failure ("ProcessingFailure", "ValidationFailure", ...).
    error_type: str
    #: What went wrong.
    error_message: str
    #: The kind of failure.
    category: ErrorCategory
    #: Whether trying again may help.
    retryable: bool
    #: Which attempt failed (1 = the first).
    attempt: int
    #: The processor's name.
    processor: str
    #: A stable code for the failure, when there is one.
    error_code: str | None = None
    #: The storage fault behind it (``disk_full``, ``read_only``, ...; see :mod:`framework.faults`), if any.
    fault: str | None = None
    #: The queue the message came from (its processor's ``source_queue``), if known.
    source_queue: str | None = None
    #: When it failed (UTC).
    failed_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "error_type": self.error_type,
            "error_message": self.error_message,
            "error_code": self.error_code,
            "category": self.category.value,
            "retryable": self.retryable,
            "attempts": self.attempt,
            "processor": self.processor,
            "fault": self.fault,
            "source_queue": self.source_queue,
            "failed_at": self.failed_at.isoformat(),
        }
