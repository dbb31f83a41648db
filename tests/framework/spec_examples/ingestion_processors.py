"""The spec's source processors (Step 4), copied verbatim except for the import lines and one placeholder.

The spec's DataIngestionProcessor returns ``output_messages=[...]`` (a literal placeholder: a list holding
Ellipsis); here it is ``output_messages=[]``. ``fetch_from_api`` is not shown in the spec: the tests subclass
these processors to supply it.
"""
# ruff: noqa
# mypy: ignore-errors

from framework import ProcessorInterface, ProcessingResult, Message, ProcessingService, ProcessorConfig

class DataIngestionProcessor(ProcessorInterface):
    def __init__(self, processing_service: ProcessingService, **kwargs):
        self.processing_service = processing_service
        
    def process(self, message: Message) -> ProcessingResult:
        # Fetch external data
        external_data = self.fetch_from_api()
        
        # Create entities using ProcessingService
        entities_created = []
        for item in external_data:
            result = self.processing_service.process_entity(
                external_id=item["id"],
                canonical_type="order",
                source="external_api",
                content=item,
                config=ProcessorConfig(
                    enable_duplicate_detection=True,
                    enable_state_tracking=True
                )
            )
            entities_created.append(result.entity_id)
        
        return ProcessingResult(
            success=True,
            entities_created=entities_created,
            output_messages=[],
            processing_metadata={"items_processed": len(external_data)}
        )


class SimpleIngestionProcessor(ProcessorInterface):
    def process(self, message: Message) -> ProcessingResult:
        # Just transform the data
        external_data = self.fetch_from_api()
        
        # Return messages for each item
        output_messages = []
        for item in external_data:
            output_messages.append(
                Message.create_entity_message(
                    external_id=item["id"],
                    canonical_type="order",
                    source="external_api",
                    tenant_id="default",
                    payload=item
                )
            )
        
        return ProcessingResult(
            success=True,
            output_messages=output_messages,
            processing_metadata={"items_fetched": len(external_data)}
        )
