"""Tenancy is the deployment's: an envelope cannot choose whose data a processor writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from handler_support import Flaky

from emulator.testing.plugin import QueueMessageSeen
from framework import Message, ProcessorConfig, ProcessorContext, ProcessorHandler, tenant_context
from framework.services import StateTrackingService

pytestmark = pytest.mark.database

Reader = Callable[..., list[QueueMessageSeen]]


def handler(context: ProcessorContext, dead_letters: str, processor: Any, **config: Any) -> ProcessorHandler:
    settings = {"processor_name": "tenancy", "dead_letter_queue": dead_letters, **config}
    return ProcessorHandler(processor, ProcessorConfig(**settings), context)


def all_entities(context: ProcessorContext) -> list[tuple[str, str]]:
    return [(e.tenant_id, e.external_id) for e in context.entity_service.list_all_entities()]


@pytest.mark.parametrize(
    "hostile",
    [
        {"envelope_version": 1, "tenant_id": "other-customer", "payload": {"id": "H-1"}},
        {"envelope_version": 1, "tenant_id": "ACME", "payload": {"id": "H-2"}},  # not the same tenant
        {"envelope_version": 1, "tenant_id": "acme ", "payload": {"id": "H-3"}},
    ],
)
def test_an_envelope_naming_another_tenant_is_refused_and_writes_nothing(
    processor_context: ProcessorContext,
    queue_name: str,
    storage_env: str,
    queue_reader: Reader,
    hostile: dict[str, Any],
) -> None:
    processor = Flaky(0)
    with tenant_context("acme"):
        answer = handler(processor_context, queue_name, processor).handle_message(json.dumps(hostile))

    assert (answer["success"], answer["error_code"], answer["can_retry"]) == (False, "TENANT_MISMATCH", False)
    assert processor.calls == [] and all_entities(processor_context) == []
    [letter] = queue_reader(queue_name)
    reason = letter.json()["failure"]["error_message"]
    assert repr(hostile["tenant_id"]) in reason and "'acme'" in reason and "allowed_tenants" in reason
    assert letter.json()["original"]["tenant_id"] == hostile["tenant_id"]  # kept as it came, for the record
    states = StateTrackingService(processor_context.database)
    with tenant_context(hostile["tenant_id"]):
        assert states.get_transitions(message_id=answer["message_id"]) == []  # nothing for the other tenant
    with tenant_context("acme"):
        assert [t.to_state for t in states.get_transitions(message_id=answer["message_id"])] == [
            "received",
            "failed",
            "dead_lettered",
        ]


def test_the_configured_deployment_tenant_wins_without_a_context(
    processor_context: ProcessorContext, queue_name: str, storage_env: str, queue_reader: Reader
) -> None:
    h = handler(processor_context, queue_name, Flaky(0), tenant_id="acme")

    mine = h.execute(Message(payload={"id": "M-1"}, tenant_id="acme"))
    unnamed = h.execute(Message(payload={"id": "M-2"}, tenant_id=None))
    theirs = h.execute(Message(payload={"id": "M-3"}, tenant_id="globex"))

    assert (mine.success, unnamed.success, theirs.success) == (True, True, False)
    assert sorted(all_entities(processor_context)) == [("acme", "M-1"), ("acme", "M-2")]
    assert len(queue_reader(queue_name)) == 1


def test_a_processor_may_act_for_the_tenants_its_config_lists(
    processor_context: ProcessorContext, queue_name: str, storage_env: str, queue_reader: Reader
) -> None:
    h = handler(processor_context, queue_name, Flaky(0), allowed_tenants=("globex",))
    with tenant_context("acme"):
        listed = h.execute(Message(payload={"id": "P-1"}, tenant_id="globex"))
        unlisted = h.execute(Message(payload={"id": "P-2"}, tenant_id="initech"))

    assert listed.success and not unlisted.success and unlisted.error_code == "TENANT_MISMATCH"
    assert all_entities(processor_context) == [("globex", "P-1")]
