"""Tests of the orders processor (the HTTP order endpoint) against real services."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import azure.functions as func
import pytest
from framework import Message, ProcessorContext, create_processor_handler, tenant_context

from processors.orders import OrdersConfig, OrdersProcessor


@pytest.fixture
def processor(test_tenant: dict[str, Any], queue_name: str) -> OrdersProcessor:
    """The processor for the test tenant, queueing orders on a queue of its own."""
    return OrdersProcessor(OrdersConfig(tenant_id=test_tenant["id"], output_queue=queue_name))


def post(processor: OrdersProcessor, body: bytes) -> Message:
    """A message as the deployment's HTTP function builds it from a POST."""
    request = func.HttpRequest(method="POST", url="/api/orders", body=body, headers={})
    return processor.create_http_message(request)


def test_an_order_without_a_number_gets_one(
    processor: OrdersProcessor, processor_context: ProcessorContext, test_tenant: dict[str, Any]
) -> None:
    message = post(processor, json.dumps({"drink_type": "latte"}).encode())

    with tenant_context(test_tenant["id"]):
        result = processor.process(message, processor_context)

    [order] = [out.payload for out in result.output_messages]
    assert result.success and order["id"] == result.processing_metadata["order_id"]
    assert order["drink_type"] == "latte" and "received_at" in order


def test_a_body_that_is_not_json_is_refused(processor: OrdersProcessor) -> None:
    assert not processor.validate_message(post(processor, b"one latte please"))


def test_handler_queues_the_order(
    processor: OrdersProcessor,
    processing_service: Any,
    storage_env: str,
    test_tenant: dict[str, Any],
    queue_name: str,
    queue_reader: Callable[..., list[Any]],
) -> None:
    handler = create_processor_handler(processor=processor, processing_service=processing_service)
    message = post(processor, json.dumps({"id": 7, "drink_type": "mocha"}).encode())

    with tenant_context(test_tenant["id"]):
        result = handler.execute(message)

    assert result.success
    [queued] = queue_reader(queue_name)
    assert queued.json()["payload"]["id"] == 7
