"""Tests of the barista processor against real services: a temporary database and folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from framework import Message, ProcessorContext, create_processor_handler, tenant_context

from processors.barista import BaristaConfig, BaristaProcessor

ORDER = {"id": 1, "drink_type": "latte", "size": "large", "price": 4.75, "processed_at": "2026-01-01T08:00:00+00:00"}


@pytest.fixture
def processor(test_tenant: dict[str, Any], tmp_path: Path) -> BaristaProcessor:
    """The processor for the test tenant, writing tickets to a temporary folder."""
    return BaristaProcessor(BaristaConfig(tenant_id=test_tenant["id"], ticket_folder=str(tmp_path / "tickets")))


def test_each_order_becomes_an_entity_and_the_same_order_again_a_duplicate(
    processor: BaristaProcessor, processor_context: ProcessorContext, test_tenant: dict[str, Any]
) -> None:
    with tenant_context(test_tenant["id"]):
        first = processor.process(Message.create_from_queue_data(ORDER), processor_context)
        again = processor.process(Message.create_from_queue_data(ORDER), processor_context)
        entity = processor_context.get_entity(first.entities_created[0])

    assert first.entities_created == again.entities_created
    assert (entity.canonical_type, entity.external_id, entity.version) == ("order", "1", 1)
    assert "processed_at" not in entity.content


def test_handler_writes_a_ticket_file(
    processor: BaristaProcessor, processing_service: Any, test_tenant: dict[str, Any], tmp_path: Path
) -> None:
    handler = create_processor_handler(processor=processor, processing_service=processing_service)

    with tenant_context(test_tenant["id"]):
        result = handler.execute(Message.create_from_queue_data(ORDER))

    assert result.success
    [ticket] = (tmp_path / "tickets").glob("order-*.json")
    assert json.loads(ticket.read_text())["payload"]["drink_type"] == "latte"


def test_an_order_without_a_drink_is_refused(processor: BaristaProcessor) -> None:
    assert not processor.validate_message(Message.create_from_queue_data({"id": 2}))
