"""One entity: its versions (and the diff between each and the one before), state transitions and errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from exchange_cli.tui.entities_data import EntityHistory, EntityReader, version_diff
from exchange_cli.tui.render import highlighted

if TYPE_CHECKING:
    from framework.entities import Entity


def _events(history: EntityHistory) -> Table:
    table = Table("time", "what", "detail", box=None, padding=(0, 1))
    for t in history.transitions:
        table.add_row(t.at.strftime("%H:%M:%S"), f"{t.from_state or '∅'} → {t.to_state}", t.processor)
    for err in history.errors:
        table.add_row(err.at.strftime("%H:%M:%S"), Text(err.error_type, style="red"), err.error_message)
    if not table.row_count:
        table.add_row("", Text("no transitions or errors", style="dim"), "")
    return table


class EntityScreen(ModalScreen[None]):
    """Versions on the left, the selected version's diff on the right, transitions and errors below."""

    DEFAULT_CSS = """
    EntityScreen { align: center middle; }
    EntityScreen > VerticalScroll { width: 95%; height: 90%; border: round $accent; background: $surface; }
    EntityScreen Horizontal { height: auto; max-height: 20; }
    EntityScreen DataTable { width: 22; height: auto; max-height: 20; }
    EntityScreen #diff { width: 1fr; }
    EntityScreen .title { text-style: bold; color: $accent; margin-top: 1; }
    """
    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, entity: Entity, reader: EntityReader) -> None:
        super().__init__()
        self.entity = entity
        self.reader = reader
        self.history: EntityHistory | None = None

    def compose(self) -> ComposeResult:
        e = self.entity
        with VerticalScroll():
            yield Static(Text(f"{e.canonical_type} {e.external_id} ({e.source}, tenant {e.tenant_id})", style="bold"))
            yield Static(Text(f"id {e.id} · version {e.version} · hash {e.content_hash[:12]}", style="dim"))
            yield Static("Versions", classes="title")
            with Horizontal():
                table: DataTable[Any] = DataTable(cursor_type="row")
                table.add_columns("v", "created")
                yield table
                yield Static(Text("loading…", style="dim"), id="diff")
            yield Static("State transitions and errors", classes="title")
            yield Static("", id="events")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        """Read the history in a worker."""
        history = self.reader.history(self.entity)
        self.app.call_from_thread(self._show, history)

    def _show(self, history: EntityHistory) -> None:
        self.history = history
        table = self.query_one(DataTable)
        for v in history.versions:
            table.add_row(str(v.version), v.created_at.strftime("%m-%d %H:%M:%S"), key=str(v.version))
        self.query_one("#events", Static).update(_events(history))
        if history.versions:
            table.move_cursor(row=len(history.versions) - 1, animate=False)
            self._diff(len(history.versions) - 1)
        table.focus()

    def _diff(self, index: int) -> None:
        assert self.history is not None
        versions = self.history.versions
        older = versions[index - 1] if index > 0 else None
        text = version_diff(older, versions[index]) or "(same content)"
        self.query_one("#diff", Static).update(highlighted(text, "diff"))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.history is not None and 0 <= event.cursor_row < len(self.history.versions):
            self._diff(event.cursor_row)
