"""A live view of the newest rows of a stream, with a filter line: the base of the Messages and Logs views.

Rows only ever arrive at the bottom. The view keeps at most ``ring_size`` rows (dropping the oldest), follows the
tail while the cursor sits on the last row (like ``tail -f``), and stops taking rows while paused; on resume or a
new filter it is rebuilt from the model's ring, never from the journal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Input

from exchange_cli.tui.events import FollowCorrelation, OpenEntry
from exchange_cli.tui.filters import RowFilter
from exchange_cli.tui.live_table import Cell, LiveTable
from exchange_cli.tui.model import RING_SIZE
from exchange_cli.tui.rows import LogRow, StreamRow

R = TypeVar("R", StreamRow, LogRow)


class StreamTable(Vertical, Generic[R]):
    """A filter line over a bounded, live table."""

    DEFAULT_CSS = """
    StreamTable { height: 1fr; }
    StreamTable > Input { height: 3; }
    """
    BINDINGS = [Binding("c", "follow_row", "Follow cid")]
    #: (label, width) per column; None: the rest of the line.
    COLUMNS: Sequence[tuple[str, int | None]] = ()
    PLACEHOLDER = "filter: queue:NAME fn:NAME status:error cid:ID words"

    follow: reactive[str | None] = reactive(None)
    paused: reactive[bool] = reactive(False)

    def __init__(self, rows: deque[R], *, ring_size: int = RING_SIZE, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: deque[R] = rows  # the model's ring (shared, read-only here)
        self.ring_size = ring_size
        self.filter = RowFilter()
        self._shown: deque[R] = deque(maxlen=ring_size)

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.PLACEHOLDER, id="filter")
        yield LiveTable(self.COLUMNS, self.cells)

    @property
    def table(self) -> LiveTable:
        """The table widget."""
        return self.query_one(LiveTable)

    def _mounted_table(self) -> LiveTable | None:
        """The table while it is mounted, else None: timers and the poll worker can fire between this view's mount
        and its children's, and while shutdown removes the children first."""
        if not self.is_mounted:
            return None
        return next(iter(self.query(LiveTable)), None)

    def cells(self, row: R) -> Sequence[Cell]:
        """The (text, style) cells of one row, in :attr:`COLUMNS` order."""
        raise NotImplementedError

    def _active_filter(self) -> RowFilter:
        return self.filter.with_correlation(self.follow)

    def add(self, rows: Iterable[R]) -> None:
        """Show new rows that pass the filter (ignored while paused)."""
        table = self._mounted_table()
        if self.paused or table is None:
            return
        wanted = self._active_filter()
        at_tail = table.cursor_row >= len(self._shown) - 1  # decided before the rows arrive
        before = len(self._shown)
        new = [row for row in rows if not wanted or wanted.matches(row)]
        if not new:
            return
        self._shown.extend(new)
        table.stripe_offset += before + len(new) - len(self._shown)  # rows dropped off the top keep their stripe
        table.show(self._shown, follow=at_tail)

    def rebuild(self) -> None:
        """Show the model's ring again, through the filter."""
        table = self._mounted_table()
        if table is None:
            return
        wanted = self._active_filter()
        self._shown = deque((row for row in self.rows if not wanted or wanted.matches(row)), maxlen=self.ring_size)
        table.stripe_offset = 0
        table.show(self._shown, follow=True)

    def catch_up(self) -> None:
        """Bring the table up to date with rows taken while it was hidden (see :meth:`LiveTable.show`)."""
        table = self._mounted_table()
        if table is not None:
            table.catch_up()

    def selected(self) -> R | None:
        """The row under the cursor."""
        index = self.table.cursor_row
        return self._shown[index] if 0 <= index < len(self._shown) else None

    def on_mount(self) -> None:
        self.rebuild()

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

    def on_live_table_selected(self, event: LiveTable.Selected) -> None:
        row = self.selected()
        if row is not None:
            self.post_message(OpenEntry(row.entry))

    def action_follow_row(self) -> None:
        row = self.selected()
        if row is not None and row.correlation_id:
            self.post_message(FollowCorrelation(row.correlation_id))
