"""The Poison view: every given-up message of the pipeline (the framework's dead letters and the host's poison
queues, as ``exchange dead-letters`` lists them), why it failed, and replay or delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from exchange_cli.tui.render import json_or_text

if TYPE_CHECKING:
    from emulator.client.dead_letters import DeadLetter
    from exchange_cli.tui.target import TuiTarget


class PoisonView(Vertical):
    """Peeks the dead-letter and poison queues of the pipeline's queues; ``r`` replays, ``d`` deletes."""

    DEFAULT_CSS = """
    PoisonView > DataTable { height: 1fr; }
    PoisonView > VerticalScroll { height: 1fr; border-top: solid $accent; }
    """
    BINDINGS = [
        Binding("r", "replay", "Replay"),
        Binding("d", "delete", "Delete"),
        Binding("ctrl+r", "reload", "Reload"),
    ]

    def __init__(self, target: TuiTarget, queues: Callable[[], list[str]], reasons: Callable[[str, str], str],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        self.target = target
        self.queues = queues  # the pipeline's queues: given-up messages that came from (or sit in) them are shown
        self.reasons = reasons  # (queue, body) -> why a poison message failed, from the journal
        self.poisoned: list[DeadLetter] = []

    def compose(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns("from", "kind", "id", "inserted", "reason")
        yield table
        with VerticalScroll():
            note = "" if self.target.storage else "No running host: poison queues cannot be read."
            yield Static(note, id="poison-detail")

    def reload(self) -> None:
        """Peek the poison queues again (in a worker)."""
        if self.target.storage:
            self._load(self.target.storage, self.queues())

    @work(thread=True, exclusive=True, group="poison")
    def _load(self, storage: str, queues: list[str]) -> None:
        from emulator.client.dead_letters import list_dead_letters
        from framework.errors import ExchangeError

        wanted = set(queues)
        try:
            found = [
                letter
                for letter in list_dead_letters(storage, self.target.encoding)
                if letter.source_queue in wanted or letter.queue in wanted
            ]
        except ExchangeError as error:  # storage stopped: say so here and try again at the next reload
            note = Text(f"{error.message} {error.hint or ''}", style="red")
            self.app.call_from_thread(self.query_one("#poison-detail", Static).update, note)
            return
        self.app.call_from_thread(self._show, found)

    def _reason(self, letter: DeadLetter) -> str:
        if letter.failure:
            return letter.reason
        return self.reasons(letter.source_queue or "", letter.original) or "reason unknown (not in the journal)"

    def _show(self, found: list[DeadLetter]) -> None:
        self.poisoned = found
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for letter in found:
            inserted = letter.inserted_on.strftime("%H:%M:%S") if letter.inserted_on else ""
            table.add_row(
                letter.source_queue or "?",
                letter.kind,
                letter.id[:13],
                inserted,
                self._reason(letter)[:60],
                key=letter.id,
            )
        if found:
            table.move_cursor(row=min(row, len(found) - 1), animate=False)
            self._detail(table.cursor_row)
        else:
            self.query_one("#poison-detail", Static).update(Text("No dead letters, no poison messages.", style="dim"))

    def _detail(self, index: int) -> None:
        letter = self.poisoned[index]
        why = Text(self._reason(letter), style="red")
        attempts = letter.failure.get("attempts")
        tries = f" · {attempts} attempt(s)" if attempts else ""
        head = Text(f"{letter.queue} · {letter.id} · from {letter.source_queue or '?'}{tries}", style="bold")
        self.query_one("#poison-detail", Static).update(Group(head, why, json_or_text(letter.original)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.poisoned):
            self._detail(event.cursor_row)

    def _chosen(self) -> DeadLetter | None:
        index = self.query_one(DataTable).cursor_row
        return self.poisoned[index] if 0 <= index < len(self.poisoned) else None

    def action_replay(self) -> None:
        if (chosen := self._chosen()) is not None and self.target.storage:
            self._act("replay", self.target.storage, chosen)

    def action_delete(self) -> None:
        if (chosen := self._chosen()) is not None and self.target.storage:
            self._act("delete", self.target.storage, chosen)

    def action_reload(self) -> None:
        self.reload()

    @work(thread=True, group="poison-act")
    def _act(self, what: str, storage: str, letter: DeadLetter) -> None:
        from emulator.client import dead_letters
        from framework.errors import ExchangeError

        try:
            if what == "replay":
                dead_letters.replay(storage, letter.id, self.target.encoding)
            else:
                dead_letters.delete(storage, letter.id)
        except ExchangeError as error:
            self.app.call_from_thread(
                self.notify, f"Not {'replayed' if what == 'replay' else 'deleted'}: {error.message}", severity="error"
            )
            return
        verb = "replayed to" if what == "replay" else "deleted from"
        text = f"Message {letter.id[:8]} {verb} {letter.source_queue if what == 'replay' else letter.queue}"
        self.app.call_from_thread(self.notify, text)
        self.app.call_from_thread(self.reload)
