"""The spec's MyBusinessProcessor (Step 1), copied verbatim; only the import lines differ.

``MyProcessorConfig`` is not shown in the spec: it lives in ``my_processor_config.py`` here.
"""
# ruff: noqa
# mypy: ignore-errors

from datetime import datetime, UTC
from typing import Dict, Any
from framework import operation
from framework import ProcessorInterface, ProcessorContext
from framework import ProcessingResult, ProcessingStatus
from framework import Message
from framework import QueueOutputHandler

from .my_processor_config import MyProcessorConfig

class MyBusinessProcessor(ProcessorInterface):
    
    def __init__(self, config: MyProcessorConfig):
        """Initialize processor with customer-specific configuration."""
        self.config = config
        
    @operation("my_processor.process")
    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        """Process message with automatic operation tracking."""
        # Extract operation type from message metadata
        operation_type = message.metadata.get("operation", "default")
        
        if operation_type == "create_entity":
            return self._handle_entity_creation(message, context)
        elif operation_type == "transform_data":
            return self._handle_data_transformation(message, context)
        else:
            return ProcessingResult.create_failure(
                error_message=f"Unknown operation: {operation_type}",
                error_code="INVALID_OPERATION",
                can_retry=False
            )
    
    @operation("my_processor.create_entity")
    def _handle_entity_creation(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        """Create new entity from external data."""
        try:
            # Use context to persist entity directly
            entity_id = context.persist_entity(
                external_id=message.payload["id"],
                canonical_type="my_business_object",
                source="external_api",
                data=message.payload,
                metadata={
                    "processed_at": datetime.now(UTC).isoformat(),
                    "processor_version": "2.0.0"
                }
            )
            
            # Create success result with output handler
            result = ProcessingResult.create_success(
                entities_created=[entity_id],
                processing_metadata={
                    "operation": "create_entity",
                    "external_id": message.payload["id"]
                }
            )
            
            # Add type-safe output handler for next stage
            queue_handler = QueueOutputHandler(
                destination=self.config.next_stage_queue,
                config={"retry_count": 3}
            )
            result.add_output_handler(queue_handler)
            
            return result
            
        except Exception as e:
            return ProcessingResult.create_failure(
                error_message=f"Entity creation failed: {str(e)}",
                error_code="ENTITY_CREATION_ERROR", 
                can_retry=self.can_retry(e)
            )
    
    @operation("my_processor.validate")
    def validate_message(self, message: Message) -> bool:
        """Validate message with automatic tracking."""
        if not message or not message.payload:
            return False
        
        operation = message.metadata.get("operation")
        if operation == "create_entity":
            return "id" in message.payload
        elif operation == "transform_data":
            return "data" in message.payload
        
        return True
    
    def can_retry(self, error: Exception) -> bool:
        """Determine retry behavior based on error type."""
        # Network errors are retryable
        if isinstance(error, (ConnectionError, TimeoutError)):
            return True
        # Validation errors are not retryable  
        if isinstance(error, ValueError):
            return False
        # Default to retryable
        return True
        
    def get_processor_info(self) -> Dict[str, Any]:
        """Return processor metadata for monitoring."""
        return {
            "name": "MyBusinessProcessor",
            "version": "2.0.0",
            "operations": ["create_entity", "transform_data"],
            "config": self.config.to_dict()
        }
