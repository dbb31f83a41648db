"""After a success: create entities for source processors, and deliver v1 routed messages.

v1 results carry ``output_messages``; each goes to its own ``routing["queue"]`` if it has one, else to the
result's ``routing_info["destination"]``. Messages with neither are left for the caller (``handle_message``
returns them, for a Functions output binding). Source processors (``is_source_processor``) get an entity stored
for every ENTITY output message, and the message's entity reference then names it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from framework.message import Message, MessageType
from framework.outputs.base import OutputResult
from framework.outputs.queue import QueueOutputHandler
from framework.result import ProcessingResult

if TYPE_CHECKING:
    from framework.config import ProcessorConfig
    from framework.processor_context import ProcessorContext


def create_source_entities(result: ProcessingResult, context: ProcessorContext, config: ProcessorConfig) -> None:
    """Store an entity for each ENTITY output message; record its id on the result and the message."""
    for out in result.output_messages:
        ref = out.entity_reference
        if out.message_type is not MessageType.ENTITY or ref is None or ref.entity_id is not None:
            continue
        stored = context.persist_entity_result(
            external_id=str(ref.external_id or out.payload.get("id") or out.message_id),
            canonical_type=ref.canonical_type or "entity",
            source=ref.source or config.processor_name,
            data=out.payload,
            config=config,
        )
        ref.entity_id, ref.version = stored.entity_id, stored.version
        if stored.is_new:
            result.add_entity_created(stored.entity_id)
        elif not stored.is_duplicate:
            result.add_entity_updated(stored.entity_id)


def routed_destinations(result: ProcessingResult) -> dict[str, list[Message]]:
    """The output messages grouped by the queue they are routed to (unrouted ones are left out)."""
    groups: dict[str, list[Message]] = {}
    default = result.routing_info.get("destination")
    for out in result.output_messages:
        queue = (out.routing or {}).get("queue") or default
        if queue:
            groups.setdefault(str(queue), []).append(out)
    return groups


def deliver_routed(message: Message, result: ProcessingResult, config: ProcessorConfig) -> list[OutputResult]:
    """Send routed output messages to their queues; one OutputResult per queue."""
    outcomes = []
    conn = {"connection_string": config.connection_string} if config.connection_string else {}
    for queue, messages in routed_destinations(result).items():
        try:
            handler = QueueOutputHandler(queue, conn)
        except Exception as exc:  # an invalid queue name in routing: a failure that retrying cannot fix
            outcomes.append(
                OutputResult("queue", queue, False, error=str(exc), error_type=type(exc).__name__, retryable=False)
            )
            continue
        outcomes.append(handler.handle(message, ProcessingResult.create_success(output_messages=messages)))
    return outcomes
