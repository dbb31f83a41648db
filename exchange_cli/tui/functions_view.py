"""The Functions view: each function, its trigger and bindings, state and figures from the journal."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from exchange_cli.tui.events import RunFunction, ShowStream
from exchange_cli.tui.model import LiveModel
from exchange_cli.tui.render import cell
from exchange_cli.tui.stats import FunctionStats

_STATE_STYLE = {
    "ok": "green",
    "running": "bold cyan",
    "failing": "bold red",
    "disabled": "dim",
    "not run": "yellow",
    "idle": "",
}
#: (label, width at least); the outputs and the whole last error are in the detail line under the table.
COLUMNS = (
    ("function", 14),
    ("trigger", 20),
    ("state", 8),
    ("runs", 5),
    ("fail", 4),
    ("mean ms", 7),
    ("last error", None),
)


def _cells(stats: FunctionStats) -> tuple[str | Text, ...]:
    spec = stats.spec
    trigger = f"{spec.trigger} {spec.trigger_detail}".strip() if spec else "?"
    mean = stats.mean_ms
    return (
        cell(stats.name, "bold"),
        cell(trigger),
        cell(stats.state, _STATE_STYLE.get(stats.state, "")),
        str(stats.invocations),
        cell(str(stats.failures), "red" if stats.failures else ""),
        "" if mean is None else f"{mean:.1f}",
        cell(stats.last_error.splitlines()[0] if stats.last_error else "", "red"),
    )


def describe(stats: FunctionStats) -> Text:
    """The detail line of one function: trigger, outputs, figures and the whole last error."""
    spec = stats.spec
    where = f"{spec.trigger} {spec.trigger_detail}".strip() if spec else "trigger unknown"
    outputs = " → " + ", ".join(spec.outputs) if spec and spec.outputs else ""
    mean = f", mean {stats.mean_ms:.1f} ms" if stats.mean_ms is not None else ""
    text = Text.assemble((stats.name, "bold"), f": {where}{outputs} · {stats.invocations} runs, "
                         f"{stats.failures} failed{mean}")  # fmt: skip
    if spec is not None and spec.not_run is not None:
        text.append(f"\nnot run locally: {spec.not_run}", style="yellow")
    if stats.last_error:
        text.append(f"\nlast error: {stats.last_error}", style="red")
    return text


class FunctionsView(Vertical):
    """One row per function, kept up to date in place."""

    DEFAULT_CSS = """
    FunctionsView > DataTable { height: 1fr; }
    FunctionsView > #function-detail { height: auto; max-height: 6; padding: 0 1; border-top: solid $accent; }
    """
    BINDINGS = [Binding("t", "run", "Run/fire"), Binding("m", "messages", "Its messages")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._detail_shown: Text | None = None

    def compose(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for label, _ in COLUMNS:  # auto width: long function names and triggers are shown whole
            table.add_column(label, key=label)
        yield table
        yield Static("", id="function-detail")

    def show(self, model: LiveModel) -> None:
        """Bring the rows up to date with ``model``."""
        self.model = model
        table = self.query_one(DataTable)
        names = sorted(model.functions)
        if [key.value for key in table.rows] != names:  # a new function: redraw, so the rows stay sorted
            cursor = table.cursor_row
            table.clear()
            for name in names:
                table.add_row(*_cells(model.functions[name]), key=name)
            table.move_cursor(row=cursor, animate=False)
        for name in names:
            for (label, _), value in zip(COLUMNS, _cells(model.functions[name]), strict=True):
                table.update_cell(name, label, value, update_width=True)
        self._detail()

    def _detail(self) -> None:
        name = self._selected()
        model: LiveModel | None = getattr(self, "model", None)
        if name is not None and model is not None and name in model.functions:
            text = describe(model.functions[name])
            if text != self._detail_shown:  # an update asks for a layout: only when the line changed
                self._detail_shown = text
                self.query_one("#function-detail", Static).update(text)

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

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
