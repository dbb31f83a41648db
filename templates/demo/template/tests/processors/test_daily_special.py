"""Tests of the daily_special processor against real services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.functions.timer import TimerRequest
from framework import ProcessorContext, create_processor_handler, tenant_context

from processors.daily_special import DailySpecialConfig, DailySpecialProcessor


@pytest.fixture
def processor(test_tenant: dict[str, Any], queue_name: str) -> DailySpecialProcessor:
    """The processor for the test tenant, ordering on a queue of its own."""
    return DailySpecialProcessor(DailySpecialConfig(tenant_id=test_tenant["id"], output_queue=queue_name))


def test_the_specials_are_served_in_turn_every_ten_seconds(processor: DailySpecialProcessor) -> None:
    drinks = [processor.special_order(datetime(2026, 1, 1, 8, 0, s, tzinfo=UTC))["drink_type"] for s in (0, 10, 20)]

    assert len(set(drinks)) == 3


def test_a_tick_orders_one_special(
    processor: DailySpecialProcessor, processor_context: ProcessorContext, test_tenant: dict[str, Any]
) -> None:
    with tenant_context(test_tenant["id"]):
        result = processor.process(processor.create_timer_message(TimerRequest(past_due=False)), processor_context)

    [order] = [out.payload for out in result.output_messages]
    assert order["id"].startswith("special-") and order["drink_type"] in processor.config.specials


def test_handler_queues_the_special(
    processor: DailySpecialProcessor,
    processing_service: Any,
    storage_env: str,
    test_tenant: dict[str, Any],
    queue_name: str,
    queue_reader: Callable[..., list[Any]],
) -> None:
    handler = create_processor_handler(processor=processor, processing_service=processing_service)

    with tenant_context(test_tenant["id"]):
        result = handler.execute(processor.create_timer_message(TimerRequest(past_due=False)))

    assert result.success
    [queued] = queue_reader(queue_name)
    assert queued.json()["payload"]["customer"] == "special"
