"""Message: the envelope wire format, bare JSON from outside, factories."""

from __future__ import annotations

import json

import pytest

from framework import EntityReference, Message, MessageFormatError, MessageType, tenant_context
from framework.context import correlation_context


def test_envelope_round_trips_every_field() -> None:
    ref = EntityReference(entity_id="e1", external_id="X-1", canonical_type="order", source="shop", version=2)
    message = Message(
        payload={"a": 1},
        entity_reference=ref,
        metadata={"stage": "s"},
        tenant_id="t1",
        retry_count=2,
        routing={"queue": "next"},
        message_type=MessageType.ENTITY,
    )

    back = Message.create_from_queue_data(message.to_json())

    assert back == message
    assert json.loads(message.to_json())["envelope_version"] == 1


def test_bare_json_object_from_outside_becomes_the_payload_of_a_queue_message() -> None:
    message = Message.create_from_queue_data(b'{"order_id": 7, "drink_type": "latte"}')

    assert message.payload == {"order_id": 7, "drink_type": "latte"}
    assert message.message_type is MessageType.QUEUE
    assert message.message_id and message.correlation_id


@pytest.mark.parametrize("data", ["[1, 2]", "42", '"text"', b"\xff\xfe", "not json"])
def test_non_object_queue_data_is_refused_with_a_clear_error(data: str | bytes) -> None:
    with pytest.raises(MessageFormatError) as caught:
        Message.create_from_queue_data(data)
    assert "JSON" in str(caught.value) or "UTF-8" in str(caught.value)


def test_unknown_envelope_version_is_refused_naming_the_version() -> None:
    with pytest.raises(MessageFormatError, match="envelope_version 99"):
        Message.create_from_queue_data({"envelope_version": 99, "payload": {}})


def test_payload_must_be_an_object() -> None:
    with pytest.raises(MessageFormatError, match="payload must be a JSON object"):
        Message(payload=[1, 2])  # type: ignore[arg-type]


def test_new_messages_inherit_the_tenant_and_correlation_id_in_force() -> None:
    with tenant_context("acme"), correlation_context("corr-1"):
        message = Message(payload={})
    assert (message.tenant_id, message.correlation_id) == ("acme", "corr-1")


def test_entity_message_from_external_ids_references_the_entity_to_be() -> None:
    message = Message.create_entity_message(
        external_id="O-1", canonical_type="order", source="api", tenant_id="default", payload={"id": "O-1"}
    )
    assert message.message_type is MessageType.ENTITY
    assert message.entity_reference == EntityReference(
        external_id="O-1", canonical_type="order", source="api", tenant_id="default"
    )
    assert message.tenant_id == "default"


def test_timer_http_and_queue_factories_set_type_and_details() -> None:
    assert Message.create_timer_message(past_due=True).metadata == {"past_due": True}
    http = Message.create_http_message({"a": 1}, method="POST")
    assert (http.message_type, http.metadata["method"]) == (MessageType.HTTP, "POST")
    assert Message.create_queue_message({"a": 1}, queue="next").routing == {"queue": "next"}
