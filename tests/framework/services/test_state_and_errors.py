"""StateTrackingService and ProcessingErrorService: records round-trip, scoped to the tenant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from framework import events
from framework.context import correlation_context, tenant_context
from framework.errors import TenantRequiredError
from framework.services import ProcessingErrorService, ProcessingService, StateTrackingService
from framework.states import ProcessingState, TransitionRecord

pytestmark = pytest.mark.database


def test_state_transitions_round_trip_in_order(
    state_tracking_service: StateTrackingService, processing_service: ProcessingService, test_tenant: dict[str, str]
) -> None:
    with tenant_context(test_tenant["id"]), correlation_context("corr-1"), events.capture() as captured:
        entity_id = processing_service.process_entity("O-1", "order", "shop", {"n": 1}).entity_id
        state_tracking_service.record_transition("msg-1", ProcessingState.RECEIVED, processor="p")
        state_tracking_service.record_transition(
            "msg-1", "processing", from_state=ProcessingState.RECEIVED, entity_id=entity_id, processor="p"
        )
        state_tracking_service.record_transition(
            "msg-1", ProcessingState.COMPLETED, from_state="processing", processor="p", details={"ms": 12}
        )
        state_tracking_service.record_transition("msg-2", ProcessingState.RECEIVED, processor="p")
        transitions = state_tracking_service.get_transitions(message_id="msg-1")
        by_entity = state_tracking_service.get_transitions(entity_id=entity_id)
    assert [(t.from_state, t.to_state) for t in transitions] == [
        (None, "received"),
        ("received", "processing"),
        ("processing", "completed"),
    ]
    assert transitions[2].details == {"ms": 12} and transitions[0].correlation_id == "corr-1"
    assert [t.to_state for t in by_entity] == ["processing"]
    assert [e.data["to_state"] for e in captured if e.kind == "state.transition"][:3] == [
        "received",
        "processing",
        "completed",
    ]


def test_another_tenant_sees_no_transitions(
    state_tracking_service: StateTrackingService, test_tenant: dict[str, str]
) -> None:
    with tenant_context(test_tenant["id"]):
        state_tracking_service.record_transition("msg-1", ProcessingState.RECEIVED)
    with tenant_context("someone-else"):
        assert state_tracking_service.get_transitions(message_id="msg-1") == []


def test_processing_errors_round_trip(
    processing_error_service: ProcessingErrorService, test_tenant: dict[str, str]
) -> None:
    with tenant_context(test_tenant["id"]):
        processing_error_service.record_error(
            "msg-1", "orders", "TimeoutError", "upstream timed out", error_code="UPSTREAM", retryable=True, attempt=2
        )
        processing_error_service.record_error("msg-2", "orders", "ValueError", "bad total", details={"field": "total"})
        first = processing_error_service.get_errors(message_id="msg-1")
        every = processing_error_service.get_errors()
    assert [(e.error_type, e.error_code, e.retryable, e.attempt) for e in first] == [
        ("TimeoutError", "UPSTREAM", True, 2)
    ]
    assert [e.message_id for e in every] == ["msg-1", "msg-2"] and every[1].details == {"field": "total"}
    with tenant_context("someone-else"):
        assert processing_error_service.get_errors() == []


def test_records_may_name_an_entity_this_database_does_not_hold(
    state_tracking_service: StateTrackingService,
    processing_error_service: ProcessingErrorService,
    test_tenant: dict[str, str],
) -> None:
    # A message may carry a reference to an entity persisted by another stage, in another database.
    with tenant_context(test_tenant["id"]):
        state_tracking_service.record_transition("msg-1", ProcessingState.RECEIVED, entity_id="elsewhere-42")
        processing_error_service.record_error("msg-1", "p", "E", "boom", entity_id="elsewhere-42")
        assert [t.entity_id for t in state_tracking_service.get_transitions(entity_id="elsewhere-42")] == [
            "elsewhere-42"
        ]
        assert [e.entity_id for e in processing_error_service.get_errors(entity_id="elsewhere-42")] == ["elsewhere-42"]


def test_recording_needs_a_tenant(
    state_tracking_service: StateTrackingService, processing_error_service: ProcessingErrorService
) -> None:
    with pytest.raises(TenantRequiredError, match="record_transition needs a tenant"):
        state_tracking_service.record_transition("m", ProcessingState.RECEIVED)
    with pytest.raises(TenantRequiredError, match="record_error needs a tenant"):
        processing_error_service.record_error("m", "p", "E", "boom")


def test_transition_details_are_stored_as_their_canonical_json(
    state_tracking_service: StateTrackingService, test_tenant: dict[str, str]
) -> None:
    when = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)
    with tenant_context(test_tenant["id"]):
        state_tracking_service.record_transitions(
            [
                TransitionRecord("msg-1", "processing", details={"queue": "q", "attempt": 2, "ok": True}),
                TransitionRecord("msg-1", "failed", details={"at": when, "ids": (1, 2), "by": {"n": None}}),
            ],
            "p",
        )
        flat, nested = (t.details for t in state_tracking_service.get_transitions(message_id="msg-1"))
    assert flat == {"attempt": 2, "ok": True, "queue": "q"}
    assert nested == {"at": str(when), "by": {"n": None}, "ids": [1, 2]}
