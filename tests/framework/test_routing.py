"""v1 routing: output messages go to their own routing["queue"], else to routing_info["destination"]."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from handler_support import Returns

from emulator.testing.plugin import QueueMessageSeen
from framework import Message, ProcessingResult, ProcessorConfig, ProcessorContext, ProcessorHandler, RetryPolicy

pytestmark = pytest.mark.database


def handler(processor: Returns, context: ProcessorContext, **config: object) -> ProcessorHandler:
    settings: dict[str, object] = {
        "tenant_id": "r",
        "retry_policy": RetryPolicy(max_attempts=1),
        "dead_letter_queue": None,
        **config,
    }
    return ProcessorHandler(processor, ProcessorConfig(**settings), context)  # type: ignore[arg-type]


def test_each_message_goes_to_its_own_queue_or_the_result_destination(
    storage_env: str,
    processor_context: ProcessorContext,
    queue_name: str,
    queue_reader: Callable[..., list[QueueMessageSeen]],
) -> None:
    high, audit, default = f"{queue_name}-high", f"{queue_name}-audit", f"{queue_name}-default"

    def route() -> ProcessingResult:
        return ProcessingResult(
            success=True,
            output_messages=[
                Message(payload={"to": "high"}, routing={"queue": high}),
                Message(payload={"to": "audit"}, routing={"queue": audit}),
                Message(payload={"to": "default"}),
            ],
            routing_info={"destination": default},
        )

    result = handler(Returns(route), processor_context).execute(Message())

    assert result.success and [r.destination for r in result.output_results] == [high, audit, default]
    assert [m.json()["payload"]["to"] for m in queue_reader(high)] == ["high"]
    assert [m.json()["payload"]["to"] for m in queue_reader(audit)] == ["audit"]
    assert [m.json()["payload"]["to"] for m in queue_reader(default)] == ["default"]


def test_an_invalid_routing_queue_name_is_a_failure_retrying_cannot_fix(
    storage_env: str, processor_context: ProcessorContext
) -> None:
    def route() -> ProcessingResult:
        return ProcessingResult(success=True, output_messages=[Message()], routing_info={"destination": "error_queue"})

    result = handler(Returns(route), processor_context).execute(Message())

    assert not result.success and not result.can_retry and "error_queue" in (result.error_message or "")


def test_unrouted_messages_are_returned_not_sent(processor_context: ProcessorContext) -> None:
    out = Message(payload={"n": 1})
    result = handler(Returns(lambda: ProcessingResult(success=True, output_messages=[out])), processor_context).execute(
        Message()
    )
    assert result.success and result.output_results == [] and result.output_messages == [out]


def test_routed_delivery_can_be_switched_off(processor_context: ProcessorContext) -> None:
    def route() -> ProcessingResult:
        return ProcessingResult(success=True, output_messages=[Message()], routing_info={"destination": "next"})

    result = handler(Returns(route), processor_context, deliver_routed_messages=False).execute(Message())
    assert result.success and result.output_results == []
