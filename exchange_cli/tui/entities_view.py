"""The Entities view: entities of every tenant, filtered by tenant, type and source; Enter opens one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Static

from exchange_cli.tui.entities_data import EntityFilter, EntityReader

if TYPE_CHECKING:
    from framework.entities import Entity


class EntitiesView(Vertical):
    """A filtered listing, reloaded in a worker when the filter changes or entities are written."""

    DEFAULT_CSS = """
    EntitiesView > Horizontal { height: 3; }
    EntitiesView Input { width: 1fr; }
    EntitiesView > DataTable { height: 1fr; }
    EntitiesView > #entities-note { height: auto; color: $text-muted; }
    """
    BINDINGS = [Binding("ctrl+r", "reload", "Reload")]

    def __init__(self, reader: EntityReader | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader
        self.entities: list[Entity] = []

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Input(placeholder="tenant", id="tenant")
            yield Input(placeholder="type", id="type")
            yield Input(placeholder="source", id="source")
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns("tenant", "type", "source", "external id", "v", "updated")
        yield table
        note = "" if self.reader else "No entity database for this deployment."
        yield Static(note, id="entities-note")

    def on_mount(self) -> None:
        self.reload()

    def current_filter(self) -> EntityFilter:
        """The filter the three inputs say."""
        value = {i.id: i.value.strip() for i in self.query(Input)}
        return EntityFilter(value.get("tenant", ""), value.get("type", ""), value.get("source", ""))

    def reload(self) -> None:
        """List again (in a worker; the newest listing wins)."""
        if self.reader is not None:
            self._load(self.reader, self.current_filter())

    @work(thread=True, exclusive=True, group="entities")
    def _load(self, reader: EntityReader, wanted: EntityFilter) -> None:
        from framework.errors import ExchangeError

        missing = reader.missing_file()
        if missing is not None:  # looked again at every reload: the view finds the database once it appears
            self.app.call_from_thread(self._note, f"No entities yet: {missing} is created when the first is stored.")
            return
        try:
            entities = reader.list(wanted)
        except ExchangeError as error:
            self.app.call_from_thread(self._note, f"{error.message} {error.hint or ''}")
            return
        self.app.call_from_thread(self._show, entities)

    def _note(self, text: str) -> None:
        self.query_one("#entities-note", Static).update(text)

    def _show(self, entities: list[Entity]) -> None:
        same = [(e.id, e.version, e.updated_at) for e in entities] == [
            (e.id, e.version, e.updated_at) for e in self.entities
        ]
        self.entities = entities
        table = self.query_one(DataTable)
        if not same or table.row_count != len(entities):  # the same listing is not rebuilt (up to 500 rows)
            row = table.cursor_row
            table.clear()
            for e in entities:
                updated = e.updated_at.strftime("%m-%d %H:%M:%S")
                table.add_row(e.tenant_id, e.canonical_type, e.source, e.external_id, str(e.version), updated, key=e.id)
            table.move_cursor(row=min(row, max(0, table.row_count - 1)), animate=False)
        self._note(f"{len(entities)} entities" + (" (the newest shown)" if len(entities) >= 500 else ""))

    def on_input_changed(self) -> None:
        self.reload()

    def on_input_submitted(self) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from exchange_cli.tui.entity_screen import EntityScreen

        chosen = next((e for e in self.entities if e.id == event.row_key.value), None)
        if chosen is not None and self.reader is not None:
            self.app.push_screen(EntityScreen(chosen, self.reader))

    def action_reload(self) -> None:
        self.reload()
