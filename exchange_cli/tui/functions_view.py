"""The Functions view: each function, its trigger and bindings, state and figures from the journal."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable

from exchange_cli.tui.events import RunFunction, ShowStream
from exchange_cli.tui.model import LiveModel
from exchange_cli.tui.stats import FunctionStats

_STATE_STYLE = {"ok": "green", "running": "bold cyan", "failing": "bold red", "disabled": "dim", "idle": ""}
COLUMNS = ("function", "trigger", "outputs", "state", "runs", "fail", "mean ms", "last error")


def _cells(stats: FunctionStats) -> tuple[str | Text, ...]:
    spec = stats.spec
    trigger = f"{spec.trigger} {spec.trigger_detail}".strip() if spec else "?"
    mean = stats.mean_ms
    return (
        Text(stats.name, style="bold"),
        trigger,
        ", ".join(spec.outputs) if spec else "",
        Text(stats.state, style=_STATE_STYLE.get(stats.state, "")),
        str(stats.invocations),
        Text(str(stats.failures), style="red" if stats.failures else ""),
        "" if mean is None else f"{mean:.1f}",
        Text(stats.last_error.splitlines()[0] if stats.last_error else "", style="red"),
    )


class FunctionsView(Vertical):
    """One row per function, kept up to date in place."""

    DEFAULT_CSS = "FunctionsView > DataTable { height: 1fr; }"
    BINDINGS = [Binding("t", "run", "Run/fire"), Binding("m", "messages", "Its messages")]

    def compose(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for label in COLUMNS:
            table.add_column(label, key=label)
        yield table

    def show(self, model: LiveModel) -> None:
        """Bring the rows up to date with ``model``."""
        table = self.query_one(DataTable)
        for name in sorted(model.functions):
            cells = _cells(model.functions[name])
            if name in table.rows:
                for label, value in zip(COLUMNS, cells, strict=True):
                    table.update_cell(name, label, value)
            else:
                table.add_row(*cells, key=name)

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_run(self) -> None:
        name = self._selected()
        if name is not None:
            self.post_message(RunFunction(name))

    def action_messages(self) -> None:
        name = self._selected()
        if name is not None:
            self.post_message(ShowStream(f"fn:{name}"))

    def on_data_table_row_selected(self) -> None:
        self.action_messages()
