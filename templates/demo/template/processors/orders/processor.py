"""The orders processor: the coffee shop's order endpoint. It accepts an order and queues it for the shop."""

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

from .config import OrdersConfig


class OrdersProcessor(ProcessorInterface):
    """Take an order posted to /api/orders, give it a number if it has none, and put it on the order queue."""

    def __init__(self, config: OrdersConfig) -> None:
        self.config = config

    @operation("orders.process")
    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        """Stamp the order and route it on; the coffee_order processor checks what was ordered."""
        order = dict(message.payload)
        order.setdefault("id", message.message_id[:8])
        order["received_at"] = datetime.now(UTC).isoformat()
        result = ProcessingResult.create_success(
            output_messages=[Message(payload=order, metadata={"stage": "received"})],
            processing_metadata={"order_id": order["id"]},
        )
        if self.config.output_queue:
            result.add_output_handler(QueueOutputHandler(destination=self.config.output_queue))
        return result

    def validate_message(self, message: Message) -> bool:
        """An order is a JSON object; a body that is not JSON arrives as ``{"body": text}`` and is refused."""
        return bool(message.payload) and set(message.payload) != {"body"}

    def get_processor_info(self) -> dict[str, Any]:
        """Metadata for monitoring and debugging."""
        return {"name": "OrdersProcessor", "version": "1.0.0", "config": self.config.to_dict()}
