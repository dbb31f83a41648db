"""framework.events: sinks see events; a runtime's sink list is copy-on-write; nothing is built without a sink."""

from __future__ import annotations

import logging

import pytest

from framework import events
from framework.context import correlation_context, runtime_context, tenant_context
from framework.events import Event
from framework.runtime import EventSinks, Runtime


def test_a_sink_gets_each_event_stamped_with_tenant_and_correlation() -> None:
    seen: list[Event] = []
    with runtime_context(Runtime(sinks=[seen.append])), tenant_context("acme"), correlation_context("c-1"):
        events.emit("entity.persisted", entity_id="e-1")
    assert [(e.kind, e.data, e.tenant_id, e.correlation_id) for e in seen] == [
        ("entity.persisted", {"entity_id": "e-1"}, "acme", "c-1")
    ]


def test_a_snapshot_does_not_change_when_sinks_are_added_or_removed_later() -> None:
    first, second = [].append, [].append
    sinks = EventSinks([first])
    before = sinks.snapshot()
    sinks.add(second)
    sinks.add(first)
    sinks.remove(first)
    assert before == (first,)
    assert sinks.snapshot() == (second, first)  # remove() takes the first registration only


def test_listening_is_true_only_with_a_sink_or_debug_logging(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="framework.events")
    runtime = Runtime()
    with runtime_context(runtime):
        assert not events.listening()
        with events.capture() as seen:
            assert events.listening()
            events.emit("message.completed", message_id="m-1")
        assert [e.kind for e in seen] == ["message.completed"]
        assert not events.listening()
        caplog.set_level(logging.DEBUG, logger="framework.events")
        assert events.listening()
        events.emit("message.completed", message_id="m-2")
    assert "message.completed {'message_id': 'm-2'}" in caplog.text


def test_a_failing_sink_does_not_stop_the_others() -> None:
    def broken(event: Event) -> None:
        raise RuntimeError("sink down")

    seen: list[Event] = []
    with runtime_context(Runtime(sinks=[broken, seen.append])):
        events.emit("processing.error", message_id="m-1")
    assert [e.data for e in seen] == [{"message_id": "m-1"}]
