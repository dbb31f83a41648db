"""The handler's audit trail: state transitions and error records, written through the framework services.

Transitions are noted as they happen and written by :meth:`Tracker.flush` in one transaction — inside the
attempt's unit of work when the attempt succeeds, so they commit with the entity. An audit write that fails (the
database is down) is logged and does not fail the message: the message's own outcome (delivered, retried,
dead-lettered) matters more than its audit row. A transition's recorded time is when it was written.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from framework.errors import ExchangeError
from framework.failure import Failure
from framework.message import Message
from framework.states import TransitionRecord

if TYPE_CHECKING:
    from framework.config import ProcessorConfig
    from framework.processor_context import ProcessorContext

_log = logging.getLogger("framework.handler")


class Tracker:
    """Records one message's state transitions (when enabled) and error records (always)."""

    def __init__(self, context: ProcessorContext, config: ProcessorConfig) -> None:
        self.context = context
        self.config = config
        self._pending: list[TransitionRecord] = []
        #: The last state the message reached.
        self.state: str | None = None

    def transition(
        self,
        message: Message,
        to_state: str,
        from_state: str | None = None,
        *,
        entity_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Note that ``message`` went from ``from_state`` to ``to_state`` (written by :meth:`flush`)."""
        self.state = to_state
        if not self.config.enable_state_tracking:
            return
        if entity_id is None and message.entity_reference is not None:
            entity_id = message.entity_reference.entity_id
        self._pending.append(TransitionRecord(message.message_id, to_state, from_state, entity_id, details))

    def flush(self) -> None:
        """Write the noted transitions in one transaction (the unit of work in force, if any)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        service = self.context.state_tracking_service
        in_unit = service.database.in_unit()
        try:
            service.record_transitions(pending, self.config.processor_name)
        except Exception as exc:
            if in_unit:  # the attempt's transaction is broken: the attempt fails and is retried
                raise
            _log.warning(
                "could not record %d state transition(s) of message %s: %s",
                len(pending),
                pending[0].message_id,
                exc,
                exc_info=_unexpected(exc),
            )

    def error(self, message: Message, failure: Failure) -> None:
        """Record ``failure`` of ``message`` (in a transaction of its own)."""
        entity_id = message.entity_reference.entity_id if message.entity_reference else None
        try:
            self.context.error_service.record_error(
                message.message_id,
                failure.processor,
                failure.error_type,
                failure.error_message,
                error_code=failure.error_code,
                entity_id=entity_id,
                retryable=failure.retryable,
                attempt=failure.attempt,
                details={"category": failure.category.value},
            )
        except Exception as exc:
            _log.warning(
                "could not record the error of message %s (%s): %s",
                message.message_id,
                failure.error_message,
                exc,
                exc_info=_unexpected(exc),
            )


def _unexpected(exc: Exception) -> bool:
    """A traceback helps only for surprises: an ExchangeError (database unreachable, ...) already says it all."""
    return not isinstance(exc, ExchangeError)
