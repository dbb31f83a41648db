"""A live table of the newest rows of a stream, with a filter line: the base of the Messages and Logs views.

Rows only ever arrive at the bottom. The table keeps at most ``ring_size`` rows (dropping the oldest), follows the
tail while the cursor sits on the last row (like ``tail -f``), and stops taking rows while paused; on resume or a
new filter it is rebuilt from the model's ring, never from the journal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Input

from exchange_cli.tui.filters import RowFilter
from exchange_cli.tui.model import RING_SIZE
from exchange_cli.tui.rows import LogRow, StreamRow

R = TypeVar("R", StreamRow, LogRow)


class StreamTable(Vertical, Generic[R]):
    """A filter line over a bounded, live DataTable."""

    DEFAULT_CSS = """
    StreamTable { height: 1fr; }
    StreamTable > Input { height: 3; }
    StreamTable > DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("c", "follow_row", "Follow cid"),
        Binding("end", "tail", "Tail", show=False),
    ]
    #: (label, width) per column.
    COLUMNS: Sequence[tuple[str, int | None]] = ()
    PLACEHOLDER = "filter: queue:NAME fn:NAME status:error cid:ID words"

    follow: reactive[str | None] = reactive(None)
    paused: reactive[bool] = reactive(False)

    def __init__(self, rows: deque[R], *, ring_size: int = RING_SIZE, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: deque[R] = rows  # the model's ring (shared, read-only here)
        self.ring_size = ring_size
        self.filter = RowFilter()
        self._shown: deque[R] = deque()

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.PLACEHOLDER, id="filter")
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for label, width in self.COLUMNS:
            table.add_column(label, width=width)
        yield table

    @property
    def table(self) -> DataTable[Any]:
        """The table widget."""
        return self.query_one(DataTable)

    def cells(self, row: R) -> Iterable[str | Text]:
        """The cells of one row (in :attr:`COLUMNS` order)."""
        raise NotImplementedError

    def _active_filter(self) -> RowFilter:
        return self.filter.with_correlation(self.follow)

    def add(self, rows: Iterable[R]) -> None:
        """Show new rows that pass the filter (ignored while paused)."""
        if not self.paused and self.is_mounted:
            self._append(rows)

    def _append(self, rows: Iterable[R]) -> None:
        wanted = self._active_filter()
        table = self.table
        at_tail = table.cursor_row >= table.row_count - 1
        fresh = [row for row in rows if wanted.matches(row)][-self.ring_size :]
        for row in fresh:
            table.add_row(*self.cells(row), key=str(row.id))
            self._shown.append(row)
        while len(self._shown) > self.ring_size:
            table.remove_row(str(self._shown.popleft().id))
        if fresh and at_tail:
            table.move_cursor(row=table.row_count - 1, animate=False)

    def rebuild(self) -> None:
        """Show the model's ring again, through the filter."""
        if not self.is_mounted:
            return
        self.table.clear()
        self._shown.clear()
        self._append(list(self.rows))

    def selected(self) -> R | None:
        """The row under the cursor."""
        index = self.table.cursor_row
        return self._shown[index] if 0 <= index < len(self._shown) else None

    def watch_follow(self) -> None:
        self.rebuild()

    def watch_paused(self, paused: bool) -> None:
        if not paused:
            self.rebuild()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter = RowFilter.parse(event.value)
        self.rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.table.focus()

    def action_tail(self) -> None:
        self.table.move_cursor(row=self.table.row_count - 1)

    def action_follow_row(self) -> None:
        row = self.selected()
        if row is not None and row.correlation_id:
            from exchange_cli.tui.events import FollowCorrelation

            self.post_message(FollowCorrelation(row.correlation_id))
