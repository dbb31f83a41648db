"""ProcessorHandler: runs one processor on one message, with everything around it.

The flow of :meth:`ProcessorHandler.execute`, one attempt per delivery:

1. tenancy: the tenant in force (``tenant_context``, else ``ProcessorConfig.tenant_id``, else ``TENANT_ID``, else
   ``"default"``) is the deployment's and wins. A message naming another tenant is refused — dead-lettered with a
   reason naming both — unless that tenant is in ``ProcessorConfig.allowed_tenants``; nothing is written for it.
2. ``received``; ``validate_message`` — an invalid message fails for good: never retried, dead-lettered;
3. attempt ``retry_count + 1``: ``processing``; ``process`` (one or two arguments); on success entities for source
   processors, v1 routed messages, then every output handler — a handler that cannot deliver fails the attempt as
   retryable; ``completed``;
4. a failed attempt is recorded as an error and classified (:func:`framework.classify.classify`). Retryable (not
   validation; the processor's ``can_retry``, the result's ``can_retry`` and the policy agree) with attempts left:

   - with a ``source_queue``: the message goes back on it with the policy's backoff as its visibility delay
     (:mod:`framework.redelivery`), state ``retrying``, and this delivery completes;
   - without one, a message that came by queue (QUEUE, ENTITY) is raised as :class:`ProcessingFailedError`: the
     Functions host keeps it and retries it after host.json's ``visibilityTimeout``, up to ``maxDequeueCount``,
     then ``<queue>-poison``;
   - an HTTP or timer message has no queue to wait on: the failed result is returned with ``can_retry`` and
     ``retry_after_seconds`` set (an HTTP function answers 503 with Retry-After; a timer runs at its next tick).

5. failed for good: ``failed``. A failure not caused by the message — a storage fault (disk full, read-only,
   permission: at once; locked, refused, timeout: once its retries are used up) or a transient error — is raised
   as :class:`ServiceOutageError` (``raise_on_outage``, on by default) so the message stays on its queue. With
   ``raise_on_failure`` other retryable failures are raised too. Everything else is put on the dead-letter queue
   (``dead_lettered``) and the failed result returned: the host deletes the message, the dead letter keeps it.
"""

from __future__ import annotations

import inspect
import json
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from framework import events
from framework.classify import ErrorCategory, classify, storage_fault
from framework.config import ProcessorConfig
from framework.context import correlation_context, current_settings, current_tenant_id, tenant_context
from framework.deadletter import send_dead_letter
from framework.errors import MessageFormatError, ProcessingFailedError, ServiceOutageError
from framework.failure import Failure
from framework.message import Message
from framework.metrics import registry
from framework.processor import ProcessorInterface
from framework.processor_context import ProcessorContext
from framework.redelivery import QUEUED_TYPES, schedule_retry
from framework.result import ProcessingResult
from framework.routing import create_source_entities, deliver_routed, routed_destinations
from framework.states import ProcessingState as State
from framework.tracking import Tracker
from framework.unit_of_work import unit_of_work

#: The error_type recorded for failures that were returned rather than raised.
_RESULT_ERROR_TYPES = {ErrorCategory.VALIDATION: "ValidationFailure", ErrorCategory.OUTPUT: "OutputDeliveryError"}
#: Failures that are not the message's fault (when retryable): kept on the queue rather than dead-lettered.
_NOT_THE_MESSAGE = (ErrorCategory.INFRASTRUCTURE, ErrorCategory.TRANSIENT, ErrorCategory.OUTPUT)


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
        rng: random.Random | None = None,
    ) -> None:
        self.processor = processor
        self.config = config or ProcessorConfig(processor_name=type(processor).__name__)
        self.context = context or ProcessorContext(config=self.config)
        if self.context.config is None:
            self.context.config = self.config
        self._rng = rng
        self._with_context = takes_context(processor.process)

    @property
    def name(self) -> str:
        """The processor's name in records, metrics and events."""
        return self.config.processor_name

    def deployment_tenant(self) -> str:
        """The tenant in force: ``tenant_context``, else the config's, else ``TENANT_ID``, else ``"default"``."""
        return current_tenant_id() or self.config.tenant_id or current_settings().get("TENANT_ID") or "default"

    def execute(self, message: Message) -> ProcessingResult:
        """Process ``message`` with tenancy, validation, retries, state tracking, outputs and dead-lettering."""
        deployment = self.deployment_tenant()
        named = message.tenant_id
        allowed = named is None or named == deployment or named in self.config.allowed_tenants
        tenant = named if allowed and named else deployment
        if allowed:
            message.tenant_id = tenant
        with tenant_context(tenant), correlation_context(message.correlation_id):
            start = time.perf_counter()
            ok = False
            try:
                result = self._run(message) if allowed else self._refuse_tenant(message, deployment)
                ok = bool(result.success)
            finally:
                duration_ms = (time.perf_counter() - start) * 1000
                registry.record(f"processor.{self.name}", duration_ms, ok)
            result.processing_duration_ms = duration_ms
            return result

    def handle_message(self, data: dict[str, Any] | str | bytes) -> dict[str, Any]:
        """Process a queue message's data (envelope or bare JSON object) and answer in plain JSON.

        The contract: the handler delivers every message it can route itself (each output message's
        ``routing["queue"]``, else the result's ``routing_info["destination"]``, and every output handler), and
        ``output_messages`` holds only the messages it did *not* deliver, for the function's own output binding.
        So the design document's CoffeeOrder wiring (``routing_info`` + ``output.set`` per message) delivers each
        order once. ``retry_scheduled`` is true when the message was sent back to its queue for another attempt.
        """
        try:
            message = Message.create_from_queue_data(data)
        except MessageFormatError as exc:
            self._dead_letter_unreadable(data, exc)
            failed = ProcessingResult.create_failure(exc.message, error_code="MESSAGE_FORMAT", can_retry=False)
            return _answer(None, None, failed, [])
        result = self.execute(message)
        routed = {id(m) for group in routed_destinations(result).values() for m in group}
        delivered_here = self.config.deliver_routed_messages
        left = [m for m in result.output_messages if not (delivered_here and id(m) in routed)]
        return _answer(message.message_id, message.correlation_id, result, left if result.success else [])

    def _dead_letter_unreadable(self, data: dict[str, Any] | str | bytes, error: MessageFormatError) -> None:
        """Data that is not a message at all: never retried, dead-lettered as raw text (if configured)."""
        failure = self._new_failure("MessageFormatError", error.message, ErrorCategory.VALIDATION, False, 1)
        failure.error_code = "MESSAGE_FORMAT"
        events.emit("processing.error", message_id=None, **failure.to_dict())
        if self.config.dead_letter_queue:
            if isinstance(data, str):
                raw = data
            elif isinstance(data, bytes):
                raw = data.decode("utf-8", errors="replace")
            else:
                raw = json.dumps(data, default=str)
            send_dead_letter(raw, failure, self.config.dead_letter_queue, self.config.connection_string)

    def _refuse_tenant(self, message: Message, deployment: str) -> ProcessingResult:
        """A message for a tenant this processor may not act for: dead-lettered, nothing written for that tenant."""
        reason = (
            f"message {message.message_id} names tenant {message.tenant_id!r}, but this deployment runs as "
            f"{deployment!r}; list {message.tenant_id!r} in ProcessorConfig.allowed_tenants to let "
            f"{self.name} act for it"
        )
        result = ProcessingResult.create_failure(reason, error_code="TENANT_MISMATCH", can_retry=False)
        result.error_details["category"] = ErrorCategory.VALIDATION.value
        tracker = Tracker(self.context, self.config)
        tracker.transition(message, State.RECEIVED)
        return self._give_up(message, result, self._failure(message, result, None, 1, tracker), tracker)

    def _run(self, message: Message) -> ProcessingResult:
        tracker = Tracker(self.context, self.config)
        tracker.transition(message, State.RECEIVED)
        invalid = self._validate(message)
        if invalid is not None:
            return self._give_up(message, invalid, self._failure(message, invalid, None, 1, tracker), tracker)
        attempt = message.retry_count + 1
        tracker.transition(message, State.PROCESSING, tracker.state, details={"attempt": attempt})
        result, error = self._attempt(message, tracker)
        if result.success:
            if tracker.state != State.COMPLETED:
                self._completed(message, result, tracker)
                tracker.flush()
            events.emit("message.completed", message_id=message.message_id, processor=self.name, attempts=attempt)
            return result
        failure = self._failure(message, result, error, attempt, tracker)
        fault = storage_fault(error) if error is not None else None
        lasting = fault is not None and not fault.passes_soon  # a full disk does not clear in seconds
        if failure.retryable and not lasting and attempt < self.config.retry_policy.max_attempts:
            return self._retry(message, result, failure, error, tracker)
        return self._give_up(message, result, failure, tracker, error)

    def _retry(
        self, message: Message, result: ProcessingResult, failure: Failure, error: Exception | None, tracker: Tracker
    ) -> ProcessingResult:
        """Another attempt later: through the source queue, else the host's queue, else the caller (see module)."""
        delay = self.config.retry_policy.delay_for(failure.attempt, self._rng, result.retry_after_seconds)
        queue = self.config.source_queue
        if queue is None and message.message_type in QUEUED_TYPES:
            tracker.transition(message, State.FAILED, State.PROCESSING, details=failure.to_dict())
            tracker.flush()
            kind = ServiceOutageError if failure.category in _NOT_THE_MESSAGE else ProcessingFailedError
            raise kind(
                f"{self.name} failed on message {message.message_id} (attempt {failure.attempt}): "
                f"{failure.error_message}",
                hint="it stays on its queue: the Functions host retries it after visibilityTimeout; set "
                "ProcessorConfig.source_queue to retry it with the RetryPolicy's backoff instead",
            ) from error
        result.retry_after_seconds = delay
        if queue is None:  # an HTTP request or a timer tick: the caller (or the next tick) tries again
            tracker.transition(message, State.FAILED, State.PROCESSING, details={**failure.to_dict(), "delay_s": delay})
            tracker.flush()
            return result
        cause = f"{failure.error_type}: {failure.error_message}"
        delay = schedule_retry(message, queue, delay, self.config.connection_string, self.name, cause=cause)
        result.retry_after_seconds = delay
        result.processing_metadata["retry_scheduled"] = {"queue": queue, "delay_s": delay}
        details = {"attempt": failure.attempt, "delay_s": delay}
        tracker.transition(message, State.RETRYING, State.PROCESSING, details=details)
        tracker.flush()
        events.emit(
            "processing.retry",
            message_id=message.message_id,
            processor=self.name,
            attempt=failure.attempt,
            delay_s=round(delay, 4),
            queue=queue,
            error_type=failure.error_type,
            error_message=failure.error_message,
        )
        return result

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
                    self._completed(message, result, tracker)
                tracker.flush()
        except _Failed as failed:
            return failed.result, None
        except Exception as exc:
            return ProcessingResult.create_failure(f"{type(exc).__name__}: {exc}", error_code=type(exc).__name__), exc
        if tracker.state != State.COMPLETED:
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

    def _completed(self, message: Message, result: ProcessingResult, tracker: Tracker) -> None:
        tracker.transition(message, State.COMPLETED, State.PROCESSING, entity_id=_first(result.entities_created))

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
        fault = None
        if error is not None:
            category = classify(error)
            fault = storage_fault(error)
            retryable = (
                category is not ErrorCategory.VALIDATION
                and (fault is not None or self.processor.can_retry(error))
                and self.config.retry_policy.allows(error)
            )
            error_type = type(error).__name__
        else:
            category = ErrorCategory(result.error_details.get("category", ErrorCategory.RESULT))
            retryable = result.can_retry and category is not ErrorCategory.VALIDATION
            error_type = _RESULT_ERROR_TYPES.get(category, "ProcessingFailure")
        result.can_retry = retryable
        failure = self._new_failure(error_type, result.error_message or error_type, category, retryable, attempt)
        failure.error_code, failure.fault = result.error_code, fault.value if fault else None
        tracker.error(message, failure)
        events.emit("processing.error", message_id=message.message_id, **failure.to_dict())
        return failure

    def _new_failure(
        self, error_type: str, error_message: str, category: ErrorCategory, retryable: bool, attempt: int
    ) -> Failure:
        return Failure(
            error_type, error_message, category, retryable, attempt, self.name, source_queue=self.config.source_queue
        )

    def _give_up(
        self,
        message: Message,
        result: ProcessingResult,
        failure: Failure,
        tracker: Tracker,
        error: Exception | None = None,
    ) -> ProcessingResult:
        tracker.transition(message, State.FAILED, tracker.state, details=failure.to_dict())
        tracker.flush()
        queued = message.message_type in QUEUED_TYPES or self.config.source_queue is not None
        if self.config.raise_on_outage and failure.category in _NOT_THE_MESSAGE and failure.retryable:
            if queued:
                fault = storage_fault(error) if error is not None else None
                why = f" ({fault.reads})" if fault is not None else ""
                raise ServiceOutageError(
                    f"{self.name} could not process message {message.message_id}{why}: {failure.error_message}",
                    hint="not the message's fault: it stays on its queue and the host retries it (after "
                    "maxDequeueCount it moves to <queue>-poison, where `exchange dead-letters` shows it)",
                ) from error
            return result  # an HTTP request or a timer tick: the caller answers (5xx) or the next tick runs
        if self.config.raise_on_failure and failure.retryable:
            raise ProcessingFailedError(
                f"{self.name} failed on message {message.message_id} after {failure.attempt} attempt(s): "
                f"{failure.error_message}",
                hint="the Functions host will retry the message and move it to the poison queue in the end",
            ) from error
        if self.config.dead_letter_queue:
            queue = self.config.dead_letter_queue
            send_dead_letter(message, failure, queue, self.config.connection_string)
            tracker.transition(message, State.DEAD_LETTERED, State.FAILED, details={"queue": queue})
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


def _answer(
    message_id: str | None, correlation_id: str | None, result: ProcessingResult, left: list[Message]
) -> dict[str, Any]:
    """``handle_message``'s one answer shape, for every outcome."""
    return {
        "success": bool(result.success),
        "message_id": message_id,
        "correlation_id": correlation_id,
        "output_messages": [m.to_dict() for m in left],
        "entities_created": list(result.entities_created),
        "entities_updated": list(result.entities_updated),
        "error_message": result.error_message,
        "error_code": result.error_code,
        "can_retry": result.can_retry,
        "retry_scheduled": "retry_scheduled" in result.processing_metadata,
        "processing_metadata": result.processing_metadata,
        "processing_duration_ms": result.processing_duration_ms,
    }
