"""The daily_special processor: on every timer tick, the shop orders its special of the moment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from framework import (
    Message,
    NoOpOutputHandler,
    ProcessingResult,
    ProcessorContext,
    ProcessorInterface,
    QueueOutputHandler,
    operation,
)

from .config import DailySpecialConfig


class DailySpecialProcessor(ProcessorInterface):
    """Put one special order on the order queue per run, as if a regular had walked in."""

    def __init__(self, config: DailySpecialConfig) -> None:
        self.config = config

    @operation("daily_special.process")
    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        """Build the special order; the output handler queues it."""
        order = self.special_order(datetime.now(UTC))
        result = ProcessingResult.create_success(
            output_messages=[Message(payload=order, metadata={"stage": "special"})],
            processing_metadata={"order_id": order["id"]},
        )
        if self.config.output_queue:
            result.add_output_handler(QueueOutputHandler(destination=self.config.output_queue))
        else:
            result.add_output_handler(NoOpOutputHandler())
        return result

    def special_order(self, now: datetime) -> dict[str, Any]:
        """The special at ``now``: the list is served in turn, one drink per ten seconds."""
        drink = self.config.specials[int(now.timestamp() // 10) % len(self.config.specials)]
        return {"id": f"special-{now:%H%M%S}", "drink_type": drink, "size": "medium", "customer": "special"}

    def validate_message(self, message: Message) -> bool:
        """A scheduled run carries no payload to check."""
        return True

    def get_processor_info(self) -> dict[str, Any]:
        """Metadata for monitoring and debugging."""
        return {"name": "DailySpecialProcessor", "version": "1.0.0", "config": self.config.to_dict()}
