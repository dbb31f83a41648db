"""What a processor returns: success or failure, entities touched, messages and output handlers to run.

Two construction styles are supported, as user code has both: the v2 factories
(``ProcessingResult.create_success(...)`` / ``create_failure(...)`` + ``add_output_handler``) and the v1 keywords
(``ProcessingResult(success=True, output_messages=[...], routing_info={"destination": "queue"})``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from framework.errors import ExchangeError

if TYPE_CHECKING:
    from framework.message import Message


class ProcessingStatus(StrEnum):
    """The outcome of processing one message."""

    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class OutputResult:
    """What one output handler did with one processed message."""

    #: The handler kind ("queue", "file", ...).
    handler: str
    #: Where it sent to.
    destination: str
    #: True when everything was delivered.
    ok: bool
    #: Ids (queue message ids, file paths, ...) of what was delivered.
    delivered: list[str] = field(default_factory=list)
    #: Why it failed.
    error: str | None = None
    #: The failing exception's type name.
    error_type: str | None = None
    #: Whether trying again may help (configuration mistakes will not).
    retryable: bool = True
    #: How long delivery took.
    duration_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return dict(self.__dict__)


class Output(Protocol):
    """What a result holds to run after a success: :class:`framework.outputs.OutputHandler` is one. Named here as
    a protocol so that the result and the handlers, which are handed the result, do not import each other."""

    @property
    def kind(self) -> str:
        """Short name used in events and errors."""
        ...

    @property
    def destination(self) -> str:
        """Where it delivers."""
        ...

    def handle(self, message: Message, result: ProcessingResult | None = None) -> OutputResult:
        """Deliver what ``message`` processed into ``result`` gives; never raises for a delivery failure."""
        ...

    def describe(self) -> dict[str, Any]:
        """Kind, destination and config, without secrets."""
        ...


def _outcome(success: bool | None, status: ProcessingStatus | str | None) -> ProcessingStatus:
    """The status from the v2 ``status=`` or the v1 ``success=`` keyword (both: they must agree)."""
    if status is None:
        if success is None:
            raise ExchangeError(
                "ProcessingResult needs success= or status=.",
                hint="use ProcessingResult.create_success() or ProcessingResult.create_failure(...)",
            )
        return ProcessingStatus.SUCCESS if success else ProcessingStatus.FAILED
    status = ProcessingStatus(status)
    if success is not None and success == (status is ProcessingStatus.FAILED):
        raise ExchangeError(f"ProcessingResult(success={success}, status={status.name}) disagree.")
    return status


@dataclass(init=False)
class ProcessingResult:
    """The outcome of processing one message. ``status`` is the one source of truth; ``success`` is read from it
    (the v1 keyword ``success=`` is still accepted when constructing)."""

    #: The outcome.
    status: ProcessingStatus
    #: Messages for the next stage (v1 style; delivered to ``routing_info["destination"]``).
    output_messages: list[Message]
    #: v1 routing: ``{"destination": "queue-name"}``.
    routing_info: dict[str, Any]
    #: Ids of entities created.
    entities_created: list[str]
    #: Ids of entities updated.
    entities_updated: list[str]
    #: Custom metrics and debugging information (v1 name: ``metadata``, the same dict).
    processing_metadata: dict[str, Any]
    #: Why it failed.
    error_message: str | None
    #: A stable code for the failure ("INVALID_OPERATION", ...).
    error_code: str | None
    #: Structured failure details.
    error_details: dict[str, Any]
    #: Whether a failure may succeed when tried again.
    can_retry: bool
    #: Wait at least this long before the next attempt (capped by the retry policy).
    retry_after_seconds: float | None
    #: Output handlers the framework runs after a success (v2 style).
    output_handlers: list[Output]
    #: How long processing took, set by the handler.
    processing_duration_ms: float | None
    #: What each output handler did, set by the handler.
    output_results: list[OutputResult]

    def __init__(
        self,
        success: bool | None = None,
        status: ProcessingStatus | str | None = None,
        output_messages: list[Message] | None = None,
        routing_info: dict[str, Any] | None = None,
        entities_created: list[str] | None = None,
        entities_updated: list[str] | None = None,
        processing_metadata: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        error_message: str | None = None,
        error_code: str | None = None,
        error_details: dict[str, Any] | None = None,
        can_retry: bool = True,
        retry_after_seconds: float | None = None,
        output_handlers: list[Output] | None = None,
        processing_duration_ms: float | None = None,
        output_results: list[OutputResult] | None = None,
    ) -> None:
        self.status = _outcome(success, status)
        self.output_messages = output_messages if output_messages is not None else []
        self.routing_info = routing_info if routing_info is not None else {}
        self.entities_created = entities_created if entities_created is not None else []
        self.entities_updated = entities_updated if entities_updated is not None else []
        self.processing_metadata = processing_metadata if processing_metadata is not None else {}
        self.processing_metadata.update(metadata or {})
        self.error_message = error_message
        self.error_code = error_code
        self.error_details = error_details if error_details is not None else {}
        self.can_retry = can_retry
        self.retry_after_seconds = retry_after_seconds
        self.output_handlers = output_handlers if output_handlers is not None else []
        self.processing_duration_ms = processing_duration_ms
        self.output_results = output_results if output_results is not None else []

    @property
    def success(self) -> bool:
        """True unless the status is FAILED (SKIPPED counts as processed): derived, so it cannot disagree."""
        return self.status is not ProcessingStatus.FAILED

    @property
    def metadata(self) -> dict[str, Any]:
        """The v1 name of :attr:`processing_metadata` (the same dict)."""
        return self.processing_metadata

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

    def add_output_handler(self, handler: Output) -> ProcessingResult:
        """Run ``handler`` on the message once processing succeeded."""
        self.output_handlers.append(handler)
        return self

    def mark_failed(self, error_message: str, error_code: str, *, can_retry: bool) -> None:
        """Turn this result into a failure (outputs that could not be delivered fail a processed message)."""
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
            "status": self.status.value,
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
