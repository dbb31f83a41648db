"""The Poison view: what sits in the poison queues, why it failed, and replay or delete."""

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
    from emulator.queue_ops import QueuedMessage
    from exchange_cli.tui.target import TuiTarget

Poisoned = tuple[str, "QueuedMessage"]  # (source queue, message in its poison queue)


class PoisonView(Vertical):
    """Peeks the poison queue of every queue the pipeline uses; ``r`` replays, ``d`` deletes."""

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
        self.queues = queues  # the source queues to look at (their poison queues are peeked)
        self.reasons = reasons  # (queue, body) -> why it failed, from the journal
        self.poisoned: list[Poisoned] = []

    def compose(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns("queue", "message id", "dq", "inserted", "body")
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
        from emulator.queue_ops import peek, poison_queue_name
        from framework.errors import ExchangeError

        try:
            found = [(q, m) for q in queues for m in peek(storage, poison_queue_name(q), self.target.encoding)]
        except ExchangeError as error:  # storage stopped: say so here and try again at the next reload
            note = Text(f"{error.message} {error.hint or ''}", style="red")
            self.app.call_from_thread(self.query_one("#poison-detail", Static).update, note)
            return
        self.app.call_from_thread(self._show, found)

    def _show(self, found: list[Poisoned]) -> None:
        self.poisoned = found
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for queue, msg in found:
            inserted = msg.inserted_on.strftime("%H:%M:%S") if msg.inserted_on else ""
            table.add_row(queue, msg.id[:13], str(msg.dequeue_count), inserted, msg.body[:60], key=msg.id)
        if found:
            table.move_cursor(row=min(row, len(found) - 1), animate=False)
            self._detail(table.cursor_row)
        else:
            self.query_one("#poison-detail", Static).update(Text("No poison messages.", style="dim"))

    def _detail(self, index: int) -> None:
        queue, msg = self.poisoned[index]
        body = json_or_text(msg.body)
        why = Text(self.reasons(queue, msg.body) or "reason unknown (not in the journal)", style="red")
        head = Text(f"{queue}-poison · {msg.id} · dequeued {msg.dequeue_count} times", style="bold")
        self.query_one("#poison-detail", Static).update(Group(head, why, body))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.poisoned):
            self._detail(event.cursor_row)

    def _chosen(self) -> Poisoned | None:
        index = self.query_one(DataTable).cursor_row
        return self.poisoned[index] if 0 <= index < len(self.poisoned) else None

    def action_replay(self) -> None:
        if (chosen := self._chosen()) is not None and self.target.storage:
            self._act("replay", self.target.storage, *chosen)

    def action_delete(self) -> None:
        if (chosen := self._chosen()) is not None and self.target.storage:
            self._act("delete", self.target.storage, *chosen)

    def action_reload(self) -> None:
        self.reload()

    @work(thread=True, group="poison-act")
    def _act(self, what: str, storage: str, queue: str, msg: QueuedMessage) -> None:
        from emulator.queue_ops import delete, poison_queue_name, replay
        from framework.errors import ExchangeError

        try:
            if what == "replay":
                done = replay(storage, queue, message_id=msg.id) > 0
            else:
                done = delete(storage, poison_queue_name(queue), msg.id)
        except ExchangeError as error:
            self.app.call_from_thread(
                self.notify, f"Not {'replayed' if what == 'replay' else 'deleted'}: {error.message}", severity="error"
            )
            return
        verb = "replayed to" if what == "replay" else "deleted from"
        text = f"Message {msg.id[:8]} {verb} {queue if what == 'replay' else poison_queue_name(queue)}"
        self.app.call_from_thread(self.notify, text if done else f"Message {msg.id[:8]} is no longer there")
        self.app.call_from_thread(self.reload)
