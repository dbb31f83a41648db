"""The barista processor: makes the drink. It stores each order as an entity and writes a ticket file for it."""

from __future__ import annotations

from typing import Any

from framework import (
    FileOutputHandler,
    Message,
    ProcessingResult,
    ProcessorContext,
    ProcessorInterface,
    QueueOutputHandler,
    operation,
)

from .config import BaristaConfig

#: What an order entity holds. Timestamps stay out, so the same order sent twice is a duplicate, not a new version.
ORDER_FIELDS = ("id", "drink_type", "size", "price", "customer")


class BaristaProcessor(ProcessorInterface):
    """Persist each order as an `order` entity (a new version when it changes) and write its ticket."""

    def __init__(self, config: BaristaConfig) -> None:
        self.config = config

    @operation("barista.process")
    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        """Store the order, then let the output handlers write the ticket (and route it on, if configured)."""
        order = {key: message.payload[key] for key in ORDER_FIELDS if key in message.payload}
        entity_id = context.persist_entity(
            external_id=str(order["id"]),
            canonical_type=self.config.canonical_type,
            source=self.config.source,
            data=order,
        )
        result = ProcessingResult.create_success(
            entities_created=[entity_id],
            processing_metadata={"order_id": order["id"]},
        )
        ticket = {"file_pattern": "order-{message_id}.json", "indent": 2}
        result.add_output_handler(FileOutputHandler(destination=self.config.ticket_folder, config=ticket))
        if self.config.output_queue:
            result.add_output_handler(QueueOutputHandler(destination=self.config.output_queue))
        return result

    def validate_message(self, message: Message) -> bool:
        """Only checked orders (with a number and a drink) reach the barista."""
        return "id" in message.payload and bool(message.payload.get("drink_type"))

    def can_retry(self, error: Exception) -> bool:
        """Bad data never gets better on retry; everything else (network, database) may."""
        return not isinstance(error, (KeyError, TypeError, ValueError))

    def get_processor_info(self) -> dict[str, Any]:
        """Metadata for monitoring and debugging."""
        return {"name": "BaristaProcessor", "version": "1.0.0", "config": self.config.to_dict()}
