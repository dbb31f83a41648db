"""Tests of the coffee_order processor (the design document's CoffeeOrderProcessor) against real services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from framework import Message, ProcessorConfig, ProcessorContext, create_processor_handler, tenant_context

from processors.coffee_order import CoffeeOrderConfig, CoffeeOrderProcessor


@pytest.fixture
def processor(test_tenant: dict[str, Any], queue_name: str) -> CoffeeOrderProcessor:
    """The processor for the test tenant, routing to a barista queue of its own."""
    return CoffeeOrderProcessor(CoffeeOrderConfig(tenant_id=test_tenant["id"], output_queue=queue_name))


def run(processor: CoffeeOrderProcessor, context: ProcessorContext, tenant: str, order: dict[str, Any]) -> Any:
    with tenant_context(tenant):
        return processor.process(Message.create_from_queue_data(order), context)


def test_an_order_is_priced_and_routed_to_the_barista(
    processor: CoffeeOrderProcessor, processor_context: ProcessorContext, test_tenant: dict[str, Any], queue_name: str
) -> None:
    result = run(processor, processor_context, test_tenant["id"], {"id": 1, "drink_type": "Latte", "size": "large"})

    [order] = [out.payload for out in result.output_messages]
    assert result.success
    assert (order["drink_type"], order["size"], order["price"]) == ("latte", "large", 4.75)
    assert [handler.destination for handler in result.output_handlers] == [queue_name]


@pytest.mark.parametrize(
    ("order", "code"),
    [
        ({"id": 2}, "MISSING_DRINK"),
        ({"id": 3, "drink_type": "motor oil"}, "UNKNOWN_DRINK"),  # stays unknown when tea is added
        ({"id": 4, "drink_type": "latte", "size": "bucket"}, "UNKNOWN_SIZE"),
    ],
)
def test_a_bad_order_fails_for_good(
    processor: CoffeeOrderProcessor,
    processor_context: ProcessorContext,
    test_tenant: dict[str, Any],
    order: dict[str, Any],
    code: str,
) -> None:
    result = run(processor, processor_context, test_tenant["id"], order)

    assert (result.success, result.error_code, result.can_retry) == (False, code, False)


def test_handler_dead_letters_an_order_without_drink_type(
    processor: CoffeeOrderProcessor,
    processing_service: Any,
    storage_env: str,
    test_tenant: dict[str, Any],
    queue_name: str,
    queue_reader: Callable[..., list[Any]],
) -> None:
    dead_letter = f"{queue_name}-dl"
    config = ProcessorConfig(processor_name="coffee_order", dead_letter_queue=dead_letter)
    handler = create_processor_handler(processor=processor, config=config, processing_service=processing_service)

    with tenant_context(test_tenant["id"]):
        result = handler.execute(Message.create_from_queue_data({"id": 5, "size": "small"}))

    assert not result.success and queue_reader(queue_name) == []
    [letter] = queue_reader(dead_letter)
    assert letter.json()["failure"]["error_message"] == "Missing drink type"
