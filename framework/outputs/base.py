"""The output handler interface: deliver what processing produced to a destination.

What a handler sends (:func:`outgoing_messages`): the result's ``output_messages`` when it has any; otherwise the
processed message itself, forwarded as a new message of the same flow (same payload, entity reference and
correlation id, a new message id) whose metadata also carries ``previous_message_id``, ``entities_created`` and the
result's ``processing_metadata`` under ``"processing"``. Every handler emits ``output.routed`` per delivery.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from framework import events
from framework.errors import ConfigurationError, OutputConfigError
from framework.message import EntityReference, Message
from framework.result import OutputResult, ProcessingResult

__all__ = ["Option", "OutputHandler", "OutputResult", "non_negative", "outgoing_messages", "positive"]


@dataclass(frozen=True)
class Option:
    """One accepted config key of a handler."""

    #: The Python types the value may have.
    types: type | tuple[type, ...]
    #: What the value means and which values are valid (shown in errors).
    doc: str
    #: An extra check of the value.
    check: Callable[[Any], bool] | None = None


def outgoing_messages(message: Message, result: ProcessingResult | None) -> list[Message]:
    """The messages a handler sends for ``message`` processed into ``result`` (see the module docstring)."""
    if result is not None and result.output_messages:
        return list(result.output_messages)
    created = list(result.entities_created) if result else []
    reference = message.entity_reference
    if reference is None and len(created) == 1:
        reference = EntityReference(entity_id=created[0], tenant_id=message.tenant_id)
    metadata = {**message.metadata, "previous_message_id": message.message_id}
    if result is not None:
        metadata.update(entities_created=created, processing=dict(result.processing_metadata))
    return [
        Message(
            payload=message.payload,
            message_type=message.message_type,
            entity_reference=reference,
            metadata=metadata,
            correlation_id=message.correlation_id,
            tenant_id=message.tenant_id,
        )
    ]


class OutputHandler(ABC):
    """Delivers processed messages to one destination. Subclasses declare ``options`` and implement ``deliver``."""

    #: Short name used in events and errors.
    kind: ClassVar[str] = "output"
    #: The config keys this handler accepts.
    options: ClassVar[dict[str, Option]] = {}

    def __init__(self, destination: str, config: Mapping[str, Any] | None = None) -> None:
        self.destination = destination
        self.config: dict[str, Any] = dict(config or {})
        self._validate_config()

    def _validate_config(self) -> None:
        allowed = ", ".join(sorted(self.options)) or "none"
        for key, value in self.config.items():
            option = self.options.get(key)
            if option is None:
                raise OutputConfigError(
                    f"{type(self).__name__}({self.destination!r}): unknown config key {key!r}.",
                    hint=f"allowed keys: {allowed}",
                )
            bad_type = not isinstance(value, option.types) or (isinstance(value, bool) and bool not in _tuple(option))
            if bad_type or (option.check is not None and not option.check(value)):
                raise OutputConfigError(
                    f"{type(self).__name__}({self.destination!r}): config key {key!r} has bad value {value!r}.",
                    hint=f"{key}: {option.doc}",
                )

    def handle(self, message: Message, result: ProcessingResult | None = None) -> OutputResult:
        """Deliver what ``message`` processed into ``result`` gives; never raises for a delivery failure."""
        start = time.perf_counter()
        outgoing = outgoing_messages(message, result)
        try:
            delivered = self.deliver(outgoing)
            outcome = OutputResult(self.kind, self.destination, True, delivered)
        except Exception as exc:  # reported in the OutputResult, which fails the message
            outcome = OutputResult(
                self.kind,
                self.destination,
                False,
                error=str(exc),
                error_type=type(exc).__name__,
                retryable=not isinstance(exc, ConfigurationError),
            )
        outcome.duration_ms = (time.perf_counter() - start) * 1000
        events.emit(
            "output.routed",
            handler=self.kind,
            destination=self.destination,
            message_id=message.message_id,
            ok=outcome.ok,
            count=len(outgoing),
            error=outcome.error,
        )
        return outcome

    @abstractmethod
    def deliver(self, messages: list[Message]) -> list[str]:
        """Send ``messages``; return an id or location for each. Raise when it cannot."""

    def describe(self) -> dict[str, Any]:
        """Kind, destination and config, without secrets."""
        config = {k: ("***" if "connection" in k else v) for k, v in self.config.items()}
        return {"handler": self.kind, "destination": self.destination, "config": config}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.destination!r}, {self.describe()['config']!r})"


def _tuple(option: Option) -> tuple[type, ...]:
    return option.types if isinstance(option.types, tuple) else (option.types,)


def positive(value: Any) -> bool:
    """A check: the value is > 0."""
    return bool(value > 0)


def non_negative(value: Any) -> bool:
    """A check: the value is >= 0."""
    return bool(value >= 0)
