"""The Routing view: the pipeline graph with live counts and rates on each edge."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from exchange_cli.tui import graph
from exchange_cli.tui.model import Edge, LiveModel, queue_node


def followed_edges(model: LiveModel, correlation_id: str) -> set[Edge]:
    """The edges the followed correlation id travelled (as far as the Messages ring remembers)."""
    edges: set[Edge] = set()
    for row in model.stream:
        if row.correlation_id != correlation_id or not row.queue:
            continue
        if row.kind == "out" and row.function:
            edges.add((f"fn:{row.function}", queue_node(row.queue)))
        elif row.kind in ("in", "done") and row.function:
            edges.add((queue_node(row.queue), f"fn:{row.function}"))
    return edges


class RoutingView(VerticalScroll):
    """Queues, functions, output handlers and destinations, drawn as a tree."""

    can_focus = True
    follow: reactive[str | None] = reactive(None)

    def __init__(self, model: LiveModel, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="graph")

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Draw the graph from the model's current figures."""
        highlight = followed_edges(self.model, self.follow) if self.follow else None
        self.query_one("#graph", Static).update(graph.build(self.model.edges, highlight))

    def watch_follow(self) -> None:
        if self.is_mounted:
            self.redraw()
