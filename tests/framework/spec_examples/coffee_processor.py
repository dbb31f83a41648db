"""The spec's CoffeeOrderProcessor (v1 style), copied verbatim; only the import lines differ.

The spec's snippet uses ``datetime`` without importing it; the import is added here.
"""
# ruff: noqa
# mypy: ignore-errors

from datetime import datetime
from framework import ProcessorInterface
from framework import ProcessingResult, ProcessingStatus
from framework import Message

class CoffeeOrderProcessor(ProcessorInterface):
    """Simple processor - just implement business logic!"""
    
    def process(self, message: Message) -> ProcessingResult:
        # Extract coffee order
        order = message.payload
        
        # Business logic: validate coffee order
        if not order.get("drink_type"):
            return ProcessingResult(
                status=ProcessingStatus.FAILED,
                success=False,
                error_message="Missing drink type"
            )
        
        # Transform: add processing info
        processed_order = {
            **order,
            "processed_at": datetime.now().isoformat(),
            "processor": "coffee_order_processor"
        }
        
        # Return success with routing
        return ProcessingResult(
            status=ProcessingStatus.SUCCESS,
            success=True,
            output_messages=[
                Message(
                    payload=processed_order,
                    entity_reference=message.entity_reference,
                    metadata={"stage": "processed"}
                )
            ],
            routing_info={"destination": "barista-queue"}
        )
