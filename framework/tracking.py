"""The handler's audit trail: state transitions and error records, written through the framework services.

An audit write that fails (the database is down) is logged and does not fail the message: the message's own
outcome (delivered, retried, dead-lettered) matters more than its audit row.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from framework.failure import Failure
from framework.message import Message

if TYPE_CHECKING:
    from framework.config import ProcessorConfig
    from framework.processor_context import ProcessorContext

_log = logging.getLogger("framework.handler")


class Tracker:
    """Writes one processor's state transitions (when enabled) and error records (always)."""

    def __init__(self, context: ProcessorContext, config: ProcessorConfig) -> None:
        self.context = context
        self.config = config

    def transition(
        self,
        message: Message,
        to_state: str,
        from_state: str | None = None,
        *,
        entity_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Record that ``message`` went from ``from_state`` to ``to_state``."""
        if not self.config.enable_state_tracking:
            return
        if entity_id is None and message.entity_reference is not None:
            entity_id = message.entity_reference.entity_id
        try:
            self.context.state_tracking_service.record_transition(
                message.message_id,
                to_state,
                from_state=from_state,
                entity_id=entity_id,
                processor=self.config.processor_name,
                details=details,
            )
        except Exception:
            _log.exception("could not record state %s -> %s of message %s", from_state, to_state, message.message_id)

    def error(self, message: Message, failure: Failure) -> None:
        """Record ``failure`` of ``message``."""
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
        except Exception:
            _log.exception("could not record the error of message %s: %s", message.message_id, failure.error_message)
