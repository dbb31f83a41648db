"""The TUI's model of the journal, its filter line, the function catalog and the routing graph (no Textual)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console
from tui_traffic import FUNCTIONS, host_start, order_flow

from emulator.journal.store import JournalEntry
from exchange_cli.tui import graph
from exchange_cli.tui.catalog import parse_functions
from exchange_cli.tui.filters import RowFilter
from exchange_cli.tui.model import LiveModel


def model_with(*flows: list[JournalEntry], ring_size: int = 2000) -> LiveModel:
    model = LiveModel(ring_size)
    entries = [e for flow in flows for e in flow]
    for i, entry in enumerate(entries, 1):
        object.__setattr__(entry, "id", i)
    model.ingest(entries)
    return model


def test_function_figures_count_runs_failures_mean_duration_and_last_error() -> None:
    model = model_with(order_flow(1), order_flow(2), order_flow(3, fail=True))

    ingest = model.functions["ingest"]
    assert (ingest.invocations, ingest.failures, ingest.running) == (3, 1, 0)
    assert ingest.mean_ms == (9.0 + 10.0 + 6.0) / 3
    assert ingest.last_error == "ValueError: amount missing"
    assert ingest.state == "failing"


def test_streams_are_rings_of_the_newest_rows() -> None:
    model = model_with(*(order_flow(i) for i in range(1, 101)), ring_size=10)

    assert len(model.stream) == 10
    assert len(model.logs) == 10
    assert model.stream[-1].correlation_id == "cid-00100"
    assert model.entries_seen == 700


def test_a_message_in_row_takes_the_correlation_id_of_the_invocation_it_started() -> None:
    flow = order_flow(1)
    flow[0] = JournalEntry("message.in", queue="orders", message_id="msg-00001", at=flow[0].at, data={"body": "{}"})
    model = model_with(flow)

    assert model.stream[0].kind == "in"
    assert model.stream[0].correlation_id == "cid-00001"


def test_edges_count_traffic_from_queues_through_functions_to_outputs_and_poison() -> None:
    model = model_with(order_flow(1), order_flow(2), order_flow(3, fail=True))
    counts = {edge: (stats.count, stats.errors) for edge, stats in model.edges.items()}

    assert counts == {
        ("queue:orders", "fn:ingest"): (3, 0),
        ("fn:ingest", "queue:enriched"): (2, 0),
        ("queue:orders", "queue:orders-poison"): (1, 1),
    }


def test_output_routed_events_draw_an_edge_to_their_handler_destination() -> None:
    routed = JournalEntry("output.routed", function="enrich", at=datetime.now(UTC),
                          data={"handler": "file", "destination": "/tmp/out", "count": 3, "ok": True})  # fmt: skip
    model = model_with([routed])

    assert model.edges[("fn:enrich", "file:/tmp/out")].count == 3
    assert model.edges[("fn:enrich", "file:/tmp/out")].rate_per_min() == 3.0


def test_declared_bindings_become_edges_before_any_traffic() -> None:
    model = LiveModel()
    model.declare(parse_functions({"functions": FUNCTIONS}))

    assert set(model.edges) == {
        ("queue:orders", "fn:ingest"),
        ("fn:ingest", "queue:enriched"),
        ("queue:enriched", "fn:enrich"),
        ("timer:nightly", "fn:nightly"),
    }
    assert all(stats.declared and stats.count == 0 for stats in model.edges.values())


def test_catalog_reads_the_admin_endpoint_shape_and_host_start_names() -> None:
    admin = [{"name": "ingest", "trigger": "queue", "state": "disabled", "source": "function_app.py:10",
              "bindings": [{"name": "msg", "type": "queueTrigger", "direction": "in", "queueName": "orders"},
                           {"name": "$return", "type": "queue", "direction": "out", "queueName": "next"}]}]  # fmt: skip
    [spec] = parse_functions(admin)
    assert (spec.trigger, spec.trigger_queue, spec.outputs, spec.disabled) == ("queue", "orders", ("queue:next",), True)

    names = parse_functions(host_start().data | {"functions": ["a", "b"]})
    assert [(s.name, s.trigger) for s in names] == [("a", "?"), ("b", "?")]


def test_a_function_not_run_locally_shows_so_with_its_reason() -> None:
    from exchange_cli.tui.functions_view import describe
    from exchange_cli.tui.stats import FunctionStats

    admin = [{"name": "to_cosmos", "state": "not run locally", "notRunLocally": "cosmosDB out (doc), not emulated",
              "bindings": [{"name": "req", "type": "httpTrigger", "direction": "in", "route": "c"}]}]  # fmt: skip
    [spec] = parse_functions(admin)
    stats = FunctionStats("to_cosmos", spec)
    assert stats.state == "not run"
    assert "not run locally: cosmosDB out (doc), not emulated" in describe(stats).plain
    [from_journal] = parse_functions({"functions": ["to_cosmos"], "not_run": {"to_cosmos": "cosmosDB out (doc), x"}})
    assert from_journal.not_run == "cosmosDB out (doc), x"  # host.start in the journal, when the host is gone


def test_filter_line_reads_keys_and_free_words() -> None:
    wanted = RowFilter.parse("queue:Orders fn:ing status:error cid:cid-0001 late")

    assert wanted == RowFilter("orders", "ing", "error", "cid-0001", "", "late")
    assert not RowFilter.parse("")
    model = model_with(order_flow(1), order_flow(2, fail=True))
    errors = [r for r in model.stream if RowFilter.parse("status:error").matches(r)]
    assert [(r.kind, r.correlation_id) for r in errors] == [("done", "cid-00002")]
    assert [r.kind for r in model.stream if RowFilter.parse("cid:cid-00001").matches(r)] == ["in", "out", "done"]


def test_graph_draws_each_source_and_what_follows_with_figures() -> None:
    model = model_with(order_flow(1), order_flow(2, fail=True))
    model.declare(parse_functions(FUNCTIONS))
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(graph.build(model.edges))
    text = console.export_text()

    assert "▤ queue orders" in text
    assert "──▶ 2 · 0.0/min  ƒ ingest" in text
    assert "──▶ 1 · 0.0/min · 1 err  ▤ queue orders-poison" in text
    assert "──▶ declared, no traffic yet  ƒ enrich" in text
    assert "timer → nightly" in text


def test_catalog_resolves_app_settings_in_queue_names_as_the_host_does() -> None:
    raw = {"name": "ingest", "bindings": [
        {"name": "msg", "type": "queueTrigger", "direction": "in", "queueName": "%IN%"},
        {"name": "$return", "type": "queue", "direction": "out", "queueName": "%OUT%-x"},
    ]}  # fmt: skip
    [spec] = parse_functions([raw], {"IN": "orders"})

    assert spec.trigger_queue == "orders"
    assert spec.outputs == ("queue:%OUT%-x",)  # unknown settings stay visible
