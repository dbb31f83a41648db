"""The coffee_order processor: the design document's CoffeeOrderProcessor, on the v2 interface.

It validates the drink, prices the order and routes it to the barista's queue. A failure it returns with
``can_retry=False`` is final: the handler records it and moves the message to the ``dead-letter`` queue.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from framework import (
    Message,
    ProcessingResult,
    ProcessorContext,
    ProcessorInterface,
    QueueOutputHandler,
    operation,
)

from .config import CoffeeOrderConfig


class CoffeeOrderProcessor(ProcessorInterface):
    """Check a coffee order against the menu, price it and send it to the barista."""

    def __init__(self, config: CoffeeOrderConfig) -> None:
        self.config = config

    @operation("coffee_order.process")
    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        """Business logic: validate the drink and size, then transform and route the order."""
        order = message.payload
        drink = str(order.get("drink_type") or "").strip().lower()
        size = str(order.get("size") or "medium").strip().lower()
        if not drink:
            return ProcessingResult.create_failure("Missing drink type", error_code="MISSING_DRINK", can_retry=False)
        if drink not in self.config.menu:
            return ProcessingResult.create_failure(
                f"{drink!r} is not on the menu", error_code="UNKNOWN_DRINK", can_retry=False
            )
        if size not in self.config.sizes:
            return ProcessingResult.create_failure(f"Unknown size {size!r}", error_code="UNKNOWN_SIZE", can_retry=False)
        processed = {
            **order,
            "drink_type": drink,
            "size": size,
            "price": round(self.config.menu[drink] * self.config.sizes[size], 2),
            "processed_at": datetime.now(UTC).isoformat(),
            "processor": "coffee_order_processor",
        }
        result = ProcessingResult.create_success(
            output_messages=[
                Message(payload=processed, entity_reference=message.entity_reference, metadata={"stage": "processed"})
            ],
            processing_metadata={"order_id": order["id"], "drink_type": drink},
        )
        if self.config.output_queue:
            result.add_output_handler(QueueOutputHandler(destination=self.config.output_queue))
        return result

    def validate_message(self, message: Message) -> bool:
        """An order needs a number; the drink is checked in process(), whose failure says what is wrong."""
        return "id" in message.payload

    def can_retry(self, error: Exception) -> bool:
        """Bad data never gets better on retry; everything else (network, database) may."""
        return not isinstance(error, (KeyError, TypeError, ValueError))

    def get_processor_info(self) -> dict[str, Any]:
        """Metadata for monitoring and debugging."""
        return {"name": "CoffeeOrderProcessor", "version": "2.0.0", "config": self.config.to_dict()}
