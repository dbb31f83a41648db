"""Flows: journal entries grouped by correlation id, handed back once nothing of them is in flight."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from emulator.journal.flows import Flow, FlowTracker
from emulator.journal.store import JournalEntry

CID = "c0ffee"
T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def entry(kind: str, seconds: float = 0, **fields: Any) -> JournalEntry:
    fields.setdefault("correlation_id", CID)
    return JournalEntry(kind, at=T0 + timedelta(seconds=seconds), **fields)


def queued(function: str, queue: str, payload: dict[str, Any]) -> JournalEntry:
    body = json.dumps({"envelope_version": 1, "correlation_id": CID, "payload": payload})
    return entry("message.in", function=function, queue=queue, correlation_id=None, data={"body": body})


def run(tracker: FlowTracker, entries: list[JournalEntry]) -> list[Flow]:
    return [flow for e in entries for flow in tracker.feed(e)]


def steps(flow: Flow) -> list[tuple[str, str]]:
    return [(s.kind, s.name) for s in flow.steps]


def http_then_queue(payload: dict[str, Any]) -> list[JournalEntry]:
    return [
        entry("invocation.start", function="orders", data={"trigger": "http"}),
        entry("output.routed", function="orders", data={"handler": "queue", "destination": "q1", "ok": True}),
        entry("invocation.end", 0.1, function="orders", status="ok", data={"trigger": "http"}),
        queued("stage", "q1", payload),
        entry("invocation.start", 0.2, function="stage", data={"trigger": "queue"}),
    ]


def test_a_flow_is_reported_once_its_routed_message_was_read_and_processed() -> None:
    tracker = FlowTracker()
    finished = run(tracker, http_then_queue({"id": 1}))
    assert finished == []

    [flow] = run(
        tracker,
        [
            entry("entity.persisted", 0.3, data={"canonical_type": "order", "external_id": "1", "version": 1}),
            entry("output.routed", 0.3, data={"handler": "file", "destination": "out", "ok": True}),
            entry("invocation.end", 0.4, function="stage", status="ok", data={"trigger": "queue"}),
        ],
    )

    assert flow.outcome == "done" and flow.payload == {"id": 1}
    assert steps(flow) == [
        ("function", "orders"),
        ("queue", "q1"),
        ("function", "stage"),
        ("entity", "order/1"),
        ("file", "out"),
    ]
    assert flow.duration == timedelta(seconds=0.4)
    assert tracker.flows == {}


def test_a_dead_lettered_message_ends_its_flow_with_the_error() -> None:
    dead = {"queue": "dead-letter", "error_type": "ProcessingFailure", "error_message": "Missing drink type"}

    [flow] = run(
        FlowTracker(),
        [
            *http_then_queue({"id": 4}),
            entry("message.dead_lettered", 0.3, data=dead),
            entry("invocation.end", 0.4, function="stage", status="ok", data={"trigger": "queue"}),
        ],
    )

    assert (flow.outcome, flow.error) == ("dead_lettered", "Missing drink type")
    assert steps(flow)[-1] == ("dead_letter", "dead-letter")


def test_a_failing_queue_invocation_waits_for_the_retry_and_ends_in_poison() -> None:
    tracker = FlowTracker()
    failed = entry("invocation.end", 0.3, function="stage", status="error", data={"trigger": "queue", "error": "boom"})
    assert run(tracker, [*http_then_queue({"id": 5}), failed]) == []

    body = json.dumps({"envelope_version": 1, "correlation_id": CID, "payload": {"id": 5}})
    poison_data = {"body": body, "reason": "dequeued 5 times", "poison_queue": "q1-poison"}
    [flow] = run(tracker, [entry("message.poison", 9, queue="q1", correlation_id=None, data=poison_data)])

    assert (flow.outcome, flow.error) == ("poison", "dequeued 5 times")
    assert ("error", "boom") in steps(flow) and steps(flow)[-1] == ("poison", "q1-poison")


def test_a_message_nobody_reads_is_reported_as_waiting_after_the_idle_time() -> None:
    tracker = FlowTracker()
    run(tracker, http_then_queue({"id": 6})[:3])

    assert tracker.expire(T0 + timedelta(seconds=5), timedelta(seconds=10)) == []
    [flow] = tracker.expire(T0 + timedelta(seconds=11), timedelta(seconds=10))
    assert flow.outcome == "waiting" and steps(flow)[-1] == ("queue", "q1")


def test_a_bare_json_message_gives_its_payload_to_the_invocation_that_reads_it() -> None:
    [flow] = run(
        FlowTracker(),
        [
            entry("message.in", function="stage", queue="q1", correlation_id=None, data={"body": '{"id": 7}'}),
            entry("invocation.start", function="stage", correlation_id="fresh", data={"trigger": "queue"}),
            entry("invocation.end", 0.1, function="stage", correlation_id="fresh", status="ok"),
        ],
    )

    assert flow.correlation_id == "fresh" and flow.payload == {"id": 7}
