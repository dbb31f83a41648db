"""The spec's own testing example (Step 5), run as written; only the import lines differ.

Two names the spec leaves undefined are supplied here: the ``test_config`` fixture and the module-level
``test_entity`` that ``test_validation_logic`` uses. The ``processor_context`` fixture is the exchange plugin's
(a real ProcessorContext over the test database), so the spec's own variant of it is not repeated.
"""
# ruff: noqa
# mypy: ignore-errors

from datetime import UTC, datetime

import pytest
from framework import tenant_context
from framework import Message, Entity
from .my_business_processor import MyBusinessProcessor
from .my_processor_config import MyProcessorConfig

test_entity = Entity(
    id="e-1", tenant_id="t", external_id="x-1", canonical_type="test_type", source="test", version=1,
    content={}, attributes={}, content_hash="", created_at=datetime.now(UTC), updated_at=datetime.now(UTC),
)


@pytest.fixture
def test_config():
    return MyProcessorConfig(tenant_id="test", next_stage_queue="next-stage")


class TestMyBusinessProcessor:
    """Test processor using real implementations."""
    
    def test_entity_creation_success(self, processor, processor_context, test_tenant):
        """Test entity creation with real framework services."""
        # Use real tenant context
        with tenant_context(test_tenant["id"]):
            # Create real message
            entity_id = processor_context.persist_entity(
                external_id="test_entity",
                canonical_type="test_type",
                source="test",
                data={"test": "data"}
            )
            entity = processor_context.get_entity(entity_id)
            
            message = Message.create_entity_message(
                entity=entity,
                payload={"id": "test-123", "data": "test_data"}
            )
            message.metadata["operation"] = "create_entity"
            
            # Execute with real processor context
            result = processor.process(message, processor_context)
            
            # Verify with real results
            assert result.success is True
            assert len(result.entities_created) == 1
            assert len(result.output_handlers) == 1
    
    def test_validation_logic(self, processor):
        """Test validation using real message objects."""
        # Real message with valid data
        valid_message = Message.create_entity_message(
            entity=test_entity,
            payload={"id": "test-123"}
        )
        valid_message.metadata["operation"] = "create_entity"
        
        # Real message with invalid data
        invalid_message = Message.create_entity_message(
            entity=test_entity,
            payload={}  # Missing required 'id'
        )
        invalid_message.metadata["operation"] = "create_entity"
        
        # Test with real validation logic
        assert processor.validate_message(valid_message) is True
        assert processor.validate_message(invalid_message) is False

# Fixtures use real framework services
@pytest.fixture
def processor(test_config):
    """Create real processor instance."""
    return MyBusinessProcessor(config=test_config)
