"""What a processor returns: success or failure, entities touched, messages and output handlers to run.

Two construction styles are supported, as user code has both: the v2 factories
(``ProcessingResult.create_success(...)`` / ``create_failure(...)`` + ``add_output_handler``) and the v1 keywords
(``ProcessingResult(success=True, output_messages=[...], routing_info={"destination": "queue"})``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from framework.errors import ExchangeError

if TYPE_CHECKING:
    from framework.message import Message
    from framework.outputs.base import OutputHandler, OutputResult


class ProcessingStatus(StrEnum):
    """The outcome of processing one message."""

    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class ProcessingResult:
    """The outcome of processing one message."""

    #: True when the message was processed; derived from ``status`` when not given.
    success: bool | None = None
    #: The outcome; derived from ``success`` when not given.
    status: ProcessingStatus | None = None
    #: Messages for the next stage (v1 style; delivered to ``routing_info["destination"]``).
    output_messages: list[Message] = field(default_factory=list)
    #: v1 routing: ``{"destination": "queue-name"}``.
    routing_info: dict[str, Any] = field(default_factory=dict)
    #: Ids of entities created.
    entities_created: list[str] = field(default_factory=list)
    #: Ids of entities updated.
    entities_updated: list[str] = field(default_factory=list)
    #: Custom metrics and debugging information.
    processing_metadata: dict[str, Any] = field(default_factory=dict)
    #: v1 name of ``processing_metadata`` (the same dict).
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Why it failed.
    error_message: str | None = None
    #: A stable code for the failure ("INVALID_OPERATION", ...).
    error_code: str | None = None
    #: Structured failure details.
    error_details: dict[str, Any] = field(default_factory=dict)
    #: Whether a failure may succeed when tried again.
    can_retry: bool = True
    #: Wait at least this long before the next attempt (capped by the retry policy).
    retry_after_seconds: float | None = None
    #: Output handlers the framework runs after a success (v2 style).
    output_handlers: list[OutputHandler] = field(default_factory=list)
    #: How long processing took, set by the handler.
    processing_duration_ms: float | None = None
    #: What each output handler did, set by the handler.
    output_results: list[OutputResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.success is None and self.status is None:
            raise ExchangeError(
                "ProcessingResult needs success= or status=.",
                hint="use ProcessingResult.create_success() or ProcessingResult.create_failure(...)",
            )
        if self.status is None:
            self.status = ProcessingStatus.SUCCESS if self.success else ProcessingStatus.FAILED
        self.status = ProcessingStatus(self.status)
        if self.success is None:
            self.success = self.status is not ProcessingStatus.FAILED
        if self.success == (self.status is ProcessingStatus.FAILED):
            raise ExchangeError(f"ProcessingResult(success={self.success}, status={self.status.name}) disagree.")
        self.processing_metadata.update(self.metadata)
        self.metadata = self.processing_metadata

    @classmethod
    def create_success(
        cls,
        entities_created: list[str] | None = None,
        entities_updated: list[str] | None = None,
        processing_metadata: dict[str, Any] | None = None,
        output_messages: list[Message] | None = None,
        routing_info: dict[str, Any] | None = None,
    ) -> ProcessingResult:
        """A success."""
        return cls(
            success=True,
            entities_created=list(entities_created or []),
            entities_updated=list(entities_updated or []),
            processing_metadata=dict(processing_metadata or {}),
            output_messages=list(output_messages or []),
            routing_info=dict(routing_info or {}),
        )

    @classmethod
    def create_failure(
        cls,
        error_message: str,
        error_code: str | None = None,
        can_retry: bool = True,
        error_details: dict[str, Any] | None = None,
        retry_after_seconds: float | None = None,
        processing_metadata: dict[str, Any] | None = None,
    ) -> ProcessingResult:
        """A failure; ``can_retry=False`` sends the message straight to the dead-letter queue."""
        return cls(
            success=False,
            error_message=error_message,
            error_code=error_code,
            can_retry=can_retry,
            error_details=dict(error_details or {}),
            retry_after_seconds=retry_after_seconds,
            processing_metadata=dict(processing_metadata or {}),
        )

    def add_output_handler(self, handler: OutputHandler) -> ProcessingResult:
        """Run ``handler`` on the message once processing succeeded."""
        self.output_handlers.append(handler)
        return self

    def mark_failed(self, error_message: str, error_code: str, *, can_retry: bool) -> None:
        """Turn this result into a failure (outputs that could not be delivered fail a processed message)."""
        self.success = False
        self.status = ProcessingStatus.FAILED
        self.error_message = error_message
        self.error_code = error_code
        self.can_retry = can_retry

    def add_entity_created(self, entity_id: str) -> ProcessingResult:
        """Record an entity created while processing."""
        self.entities_created.append(entity_id)
        return self

    def add_entity_updated(self, entity_id: str) -> ProcessingResult:
        """Record an entity updated while processing."""
        self.entities_updated.append(entity_id)
        return self

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (output messages as envelopes, handlers as kind and destination)."""
        return {
            "success": self.success,
            "status": self.status.value if self.status else None,
            "output_messages": [m.to_dict() for m in self.output_messages],
            "routing_info": self.routing_info,
            "entities_created": self.entities_created,
            "entities_updated": self.entities_updated,
            "processing_metadata": self.processing_metadata,
            "error_message": self.error_message,
            "error_code": self.error_code,
            "error_details": self.error_details,
            "can_retry": self.can_retry,
            "retry_after_seconds": self.retry_after_seconds,
            "output_handlers": [h.describe() for h in self.output_handlers],
            "processing_duration_ms": self.processing_duration_ms,
            "output_results": [r.to_dict() for r in self.output_results],
        }
