"""ProcessorHandler: runs one processor on one message, with everything around it.

The flow of :meth:`ProcessorHandler.execute`:

1. tenant (the message's, else the context's, else ``ProcessorConfig.tenant_id``, else ``TENANT_ID``, else
   ``"default"``) and correlation id (the message's) put in force;
2. ``received``; ``validate_message`` — an invalid message fails for good: never retried, dead-lettered;
3. up to ``retry_policy.max_attempts`` attempts: ``processing``; ``process`` (one or two arguments); on success
   entities for source processors, v1 routed messages, then every output handler — a handler that cannot deliver
   fails the attempt as retryable; ``completed``;
4. a failed attempt is recorded as an error; retryable (not validation, the processor's ``can_retry`` and the
   result's ``can_retry`` agree, the policy allows its type) and attempts left: ``retrying``, sleep the backoff,
   ``message.retry_count`` + 1, again;
5. failed for good: ``failed``; then, when the framework's own database or storage was unreachable
   (``raise_on_outage``, on by default), :class:`ServiceOutageError` is raised so that the message stays on its
   queue and is processed when the service returns; if ``raise_on_failure`` and the error was retryable,
   :class:`ProcessingFailedError` is raised so the Functions host's retry and poison queue apply; otherwise the
   message is put on the dead-letter queue (``dead_lettered``) and the failed result is returned.

Retries happen inside the invocation, so every attempt (and every output) is at least once: a processor whose
output failed is run again, and outputs that had succeeded are sent again.
"""

from __future__ import annotations

import inspect
import json
import os
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from framework import events
from framework.classify import ErrorCategory, classify
from framework.config import ProcessorConfig
from framework.context import correlation_context, current_tenant_id, tenant_context
from framework.deadletter import send_dead_letter
from framework.errors import (
    DatabaseUnavailableError,
    MessageFormatError,
    ProcessingFailedError,
    ServiceOutageError,
    StorageUnavailableError,
)
from framework.failure import Failure
from framework.message import Message
from framework.metrics import registry
from framework.processor import ProcessorInterface
from framework.processor_context import ProcessorContext
from framework.result import ProcessingResult
from framework.routing import create_source_entities, deliver_routed, routed_destinations
from framework.tracking import Tracker
from framework.unit_of_work import unit_of_work

#: The error_type recorded for failures that were returned rather than raised.
_RESULT_ERROR_TYPES = {ErrorCategory.VALIDATION: "ValidationFailure", ErrorCategory.OUTPUT: "OutputDeliveryError"}


def takes_context(process: Callable[..., Any]) -> bool:
    """True when ``process`` accepts (message, context); False for the v1 ``process(message)``."""
    params = list(inspect.signature(process).parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)


class ProcessorHandler:
    """Bridges a trigger (an Azure function) and a processor."""

    def __init__(
        self,
        processor: ProcessorInterface,
        config: ProcessorConfig | None = None,
        context: ProcessorContext | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.processor = processor
        self.config = config or ProcessorConfig(processor_name=type(processor).__name__)
        self.context = context or ProcessorContext(config=self.config)
        if self.context.config is None:
            self.context.config = self.config
        self._sleep = sleep
        self._rng = rng
        self._with_context = takes_context(processor.process)

    @property
    def name(self) -> str:
        """The processor's name in records, metrics and events."""
        return self.config.processor_name

    def execute(self, message: Message) -> ProcessingResult:
        """Process ``message`` with validation, retries, state tracking, outputs and dead-lettering."""
        tenant = (
            message.tenant_id
            or current_tenant_id()
            or self.config.tenant_id
            or os.environ.get("TENANT_ID")
            or "default"
        )
        message.tenant_id = tenant
        with tenant_context(tenant), correlation_context(message.correlation_id):
            start = time.perf_counter()
            ok = False
            try:
                result = self._run(message)
                ok = bool(result.success)
            finally:
                duration_ms = (time.perf_counter() - start) * 1000
                registry.record(f"processor.{self.name}", duration_ms, ok)
            result.processing_duration_ms = duration_ms
            return result

    def handle_message(self, data: dict[str, Any] | str | bytes) -> dict[str, Any]:
        """Process a queue message's data (envelope or bare JSON object) and answer in plain JSON."""
        try:
            message = Message.create_from_queue_data(data)
        except MessageFormatError as exc:
            self._dead_letter_unreadable(data, exc)
            return {
                "success": False,
                "message_id": None,
                "output_messages": [],
                "error_message": exc.message,
                "error_code": "MESSAGE_FORMAT",
                "can_retry": False,
            }
        result = self.execute(message)
        return {
            "success": result.success,
            "message_id": message.message_id,
            "correlation_id": message.correlation_id,
            "output_messages": [m.to_dict() for m in result.output_messages],
            "entities_created": result.entities_created,
            "entities_updated": result.entities_updated,
            "error_message": result.error_message,
            "error_code": result.error_code,
            "can_retry": result.can_retry,
            "processing_metadata": result.processing_metadata,
            "processing_duration_ms": result.processing_duration_ms,
        }

    def _dead_letter_unreadable(self, data: dict[str, Any] | str | bytes, error: MessageFormatError) -> None:
        """Data that is not a message at all: never retried, dead-lettered as raw text (if configured)."""
        failure = Failure(
            "MessageFormatError",
            error.message,
            ErrorCategory.VALIDATION,
            False,
            1,
            self.name,
            error_code="MESSAGE_FORMAT",
        )
        events.emit("processing.error", message_id=None, **failure.to_dict())
        if self.config.dead_letter_queue:
            if isinstance(data, str):
                raw = data
            elif isinstance(data, bytes):
                raw = data.decode("utf-8", errors="replace")
            else:
                raw = json.dumps(data, default=str)
            send_dead_letter(raw, failure, self.config.dead_letter_queue, self.config.connection_string)

    def _run(self, message: Message) -> ProcessingResult:
        tracker = Tracker(self.context, self.config)
        tracker.transition(message, "received")
        invalid = self._validate(message)
        if invalid is not None:
            return self._give_up(message, invalid, self._failure(message, invalid, None, 1, tracker), None, tracker)
        policy = self.config.retry_policy
        for attempt in range(1, policy.max_attempts + 1):
            tracker.transition(message, "processing", tracker.state, details={"attempt": attempt})
            result, error = self._attempt(message, tracker)
            if result.success:
                if tracker.state != "completed":
                    tracker.transition(message, "completed", "processing", entity_id=_first(result.entities_created))
                    tracker.flush()
                events.emit("message.completed", message_id=message.message_id, processor=self.name, attempts=attempt)
                return result
            failure = self._failure(message, result, error, attempt, tracker)
            if not failure.retryable or attempt == policy.max_attempts:
                break
            delay = policy.delay_for(attempt, self._rng, result.retry_after_seconds)
            tracker.transition(message, "retrying", "processing", details={"attempt": attempt, "delay_s": delay})
            tracker.flush()
            events.emit(
                "processing.retry",
                message_id=message.message_id,
                processor=self.name,
                attempt=attempt,
                delay_s=round(delay, 4),
                error_type=failure.error_type,
            )
            message.retry_count += 1
            self._sleep(delay)
        return self._give_up(message, result, failure, error, tracker)

    def _validate(self, message: Message) -> ProcessingResult | None:
        """None when the message is valid, else the (non-retryable) failed result."""
        try:
            valid = self.processor.validate_message(message)
            reason = f"{type(self.processor).__name__}.validate_message refused message {message.message_id}"
        except Exception as exc:
            valid, reason = False, f"validate_message raised {type(exc).__name__}: {exc}"
        if valid:
            return None
        result = ProcessingResult.create_failure(reason, error_code="VALIDATION_FAILED", can_retry=False)
        result.error_details["category"] = ErrorCategory.VALIDATION.value
        return result

    def _unit(self) -> AbstractContextManager[object]:
        if not self.config.atomic_attempts:
            return nullcontext()
        return unit_of_work(self.context.database)

    def _attempt(self, message: Message, tracker: Tracker) -> tuple[ProcessingResult, Exception | None]:
        """One attempt: process in a unit of work (rolled back on failure), then deliver the outputs."""
        if not self.config.atomic_attempts:
            tracker.flush()  # without a unit, "processing" is visible while the processor runs
        try:
            with self._unit():
                result = self._call_process(message)
                if not result.success:
                    raise _Failed(result)
                if self.config.is_source_processor:
                    create_source_entities(result, self.context, self.config)
                if not self._has_outputs(result):  # nothing left to do: completed commits with the entities
                    tracker.transition(message, "completed", "processing", entity_id=_first(result.entities_created))
                tracker.flush()
        except _Failed as failed:
            return failed.result, None
        except Exception as exc:
            return ProcessingResult.create_failure(f"{type(exc).__name__}: {exc}", error_code=type(exc).__name__), exc
        if tracker.state != "completed":
            self._deliver_outputs(message, result)
        return result, None

    def _call_process(self, message: Message) -> ProcessingResult:
        if self._with_context:
            result = self.processor.process(message, self.context)
        else:
            result = self.processor.process(message)  # type: ignore[call-arg]
        if not isinstance(result, ProcessingResult):
            raise TypeError(
                f"{type(self.processor).__name__}.process returned {type(result).__name__}, not a ProcessingResult"
            )
        return result

    def _has_outputs(self, result: ProcessingResult) -> bool:
        return bool(result.output_handlers) or (
            self.config.deliver_routed_messages and bool(routed_destinations(result))
        )

    def _deliver_outputs(self, message: Message, result: ProcessingResult) -> None:
        """Run the routed deliveries and every output handler; any failure fails the result."""
        if self.config.deliver_routed_messages:
            result.output_results.extend(deliver_routed(message, result, self.config))
        result.output_results.extend(handler.handle(message, result) for handler in result.output_handlers)
        failed = [r for r in result.output_results if not r.ok]
        if failed:
            detail = "; ".join(f"{r.handler} output to {r.destination!r} failed: {r.error}" for r in failed)
            result.mark_failed(detail, "OUTPUT_FAILED", can_retry=all(r.retryable for r in failed))
            result.error_details["category"] = ErrorCategory.OUTPUT.value

    def _failure(
        self, message: Message, result: ProcessingResult, error: Exception | None, attempt: int, tracker: Tracker
    ) -> Failure:
        """Classify the failure of ``attempt``, record it and emit ``processing.error``."""
        if error is not None:
            category = classify(error)
            retryable = (
                category is not ErrorCategory.VALIDATION
                and self.processor.can_retry(error)
                and self.config.retry_policy.allows(error)
            )
            error_type = type(error).__name__
        else:
            category = ErrorCategory(result.error_details.get("category", ErrorCategory.RESULT))
            retryable = result.can_retry and category is not ErrorCategory.VALIDATION
            error_type = _RESULT_ERROR_TYPES.get(category, "ProcessingFailure")
        result.can_retry = retryable
        failure = Failure(
            error_type,
            result.error_message or error_type,
            category,
            retryable,
            attempt,
            self.name,
            error_code=result.error_code,
        )
        tracker.error(message, failure)
        events.emit("processing.error", message_id=message.message_id, **failure.to_dict())
        return failure

    def _give_up(
        self, message: Message, result: ProcessingResult, failure: Failure, error: Exception | None, tracker: Tracker
    ) -> ProcessingResult:
        tracker.transition(message, "failed", tracker.state, details=failure.to_dict())
        tracker.flush()
        if self.config.raise_on_outage and isinstance(error, (DatabaseUnavailableError, StorageUnavailableError)):
            raise ServiceOutageError(
                f"{self.name} could not process message {message.message_id}: {error.message}",
                hint="the message stays on its queue and is retried when the service is back",
            ) from error
        if self.config.raise_on_failure and failure.retryable:
            raise ProcessingFailedError(
                f"{self.name} failed on message {message.message_id} after {failure.attempt} attempt(s): "
                f"{failure.error_message}",
                hint="the Functions host will retry the message and move it to the poison queue in the end",
            ) from error
        if self.config.dead_letter_queue:
            queue = self.config.dead_letter_queue
            send_dead_letter(message, failure, queue, self.config.connection_string)
            tracker.transition(message, "dead_lettered", "failed", details={"queue": queue})
            tracker.flush()
            result.processing_metadata["dead_letter_queue"] = queue
        return result


class _Failed(Exception):
    """A returned failure, raised to roll the attempt's unit of work back."""

    def __init__(self, result: ProcessingResult) -> None:
        super().__init__(result.error_message)
        self.result = result


def _first(ids: list[str]) -> str | None:
    return ids[0] if ids else None
