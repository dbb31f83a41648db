"""A table for live streams that draws only the rows on screen (Textual's line API).

DataTable measures and indexes every row: adding and dropping rows at 150 a second, with 2,000 kept, costs it
hundreds of milliseconds and slows every key press. This widget keeps a reference to a sequence of rows and renders
the visible ones on demand, so an append costs nothing until it scrolls into view and a repaint costs the screen's
height, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

#: (text, style) of one cell.
Cell = tuple[str, str]
Columns = Sequence[tuple[str, int | None]]
#: How many rows' cells a table remembers (a few screens; the rows themselves are the model's).
CELL_CACHE = 512


@lru_cache(maxsize=256)
def _style(spec: str) -> Style:
    return Style.parse(spec) if spec else Style.null()


class LiveTable(ScrollView, can_focus=True):
    """Rows from a sequence, a sticky header, a row cursor; Enter (or a click on the cursor row) selects."""

    DEFAULT_CSS = """
    LiveTable {
        height: 1fr;
        overflow-x: hidden;
        background: $surface;
        color: $foreground;
        & > .live-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .live-table--odd { background: $surface-lighten-1 50%; }
        &:dark > .live-table--odd { background: $surface-darken-1 40%; }
        & > .live-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .live-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """
    COMPONENT_CLASSES = {"live-table--header", "live-table--cursor", "live-table--odd"}
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    cursor_row: reactive[int] = reactive(0)

    class Selected(Message):
        """Enter on a row (or a click on the row under the cursor)."""

        def __init__(self, table: LiveTable, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

    def __init__(self, columns: Columns, cells: Callable[[Any], Sequence[Cell]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.columns = columns
        self.cells = cells
        self.rows: Sequence[Any] = ()
        self._stale = False  # rows came while hidden: size and scroll are behind
        self._cell_cache: dict[int, tuple[Any, Sequence[Cell]]] = {}  # id(row) -> (row, its cells)
        self._styles: dict[str, Style] = {}
        #: (id(row), style, width, column widths, style key) -> (row, the line drawn): a repaint after new rows
        #: arrive draws only those, the others are as they were (their stripe moves with them).
        self._strip_cache: dict[tuple[object, ...], tuple[Any, Strip]] = {}
        #: Rows dropped off the top since the last rebuild: the zebra stripe follows the row, not its index.
        self.stripe_offset = 0
        self._styles_for: tuple[bool, str] | None = None

    @property
    def row_count(self) -> int:
        """How many rows there are (not only those on screen)."""
        return len(self.rows)

    def show(self, rows: Sequence[Any], *, follow: bool | None = None) -> None:
        """Show ``rows`` (kept by reference); with ``follow``, keep the cursor on the last row.

        While the table is hidden (another tab) only the rows and the cursor are kept: a new height would ask the
        whole screen for a layout, at every poll, for nothing on screen. :meth:`catch_up` does the rest."""
        at_tail = self.cursor_row >= len(self.rows) - 1 if follow is None else follow
        self.rows = rows
        if not self._displayed():
            last = max(0, len(rows) - 1)
            self.set_reactive(LiveTable.cursor_row, last if at_tail else min(self.cursor_row, last))
            self._stale = True
            return
        self._stale = False
        self.virtual_size = self._virtual_size()
        if at_tail:
            self.move_cursor(len(rows) - 1)
        else:
            self.cursor_row = min(self.cursor_row, max(0, len(rows) - 1))
        self.refresh()

    def catch_up(self) -> None:
        """Size, scroll and paint for the rows that came while the table was hidden."""
        if self._stale:
            self.show(self.rows, follow=self.cursor_row >= len(self.rows) - 1)
            # a table never laid out (hidden since start-up) scrolls nowhere until it has a size: again after it
            self.call_after_refresh(self._cursor_into_view)

    def _displayed(self) -> bool:
        node: Any = self
        while isinstance(node, Widget):
            if not node.display:
                return False
            node = node.parent
        return True

    def move_cursor(self, row: int, animate: bool = False) -> None:
        """Put the cursor on ``row`` and scroll it into view."""
        self.cursor_row = max(0, min(row, len(self.rows) - 1))
        top, height = self.scroll_offset.y, max(1, self.size.height - 1)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=animate, immediate=True)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=animate, immediate=True)

    def watch_cursor_row(self, old: int, new: int) -> None:
        # only the two rows change; a scroll that brings the cursor into view repaints the rest by itself
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)

    def _line_style(self, name: str) -> Style:
        """The header, cursor, odd-row or plain style: resolving one walks the ancestors' backgrounds, which was
        most of a line's cost, so they are resolved once per focus state and theme, and again on a style update."""
        key = (self.has_focus, self.app.theme)
        if self._styles_for != key:
            self._styles = {n: self.get_component_rich_style(f"live-table--{n}") for n in ("header", "cursor", "odd")}
            self._styles["base"] = self.rich_style
            self._styles_for = key
        return self._styles[name]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles_for = None

    def _cells(self, row: Any) -> Sequence[Cell]:
        """``cells(row)``, remembered per row object: a repaint formats only the rows it has not seen."""
        cached = self._cell_cache.get(id(row))
        if cached is not None and cached[0] is row:
            return cached[1]
        if len(self._cell_cache) > CELL_CACHE:
            self._cell_cache.clear()
        cells = self.cells(row)
        self._cell_cache[id(row)] = (row, cells)
        return cells

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            header = [(label, "") for label, _ in self.columns]
            return self._strip(header, self._line_style("header"), width)
        index = self.scroll_offset.y + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, self._line_style("base"))
        kind = "cursor" if index == self.cursor_row else "odd" if (index + self.stripe_offset) % 2 else "base"
        row, style = self.rows[index], self._line_style(kind)  # the style first: it brings _styles_for up to date
        key = (id(row), kind, width, tuple(self._widths(width)), self._styles_for)
        cached = self._strip_cache.get(key)
        if cached is not None and cached[0] is row:
            return cached[1]
        strip = self._strip(self._cells(row), style, width)
        if len(self._strip_cache) > CELL_CACHE:
            self._strip_cache.clear()
        self._strip_cache[key] = (row, strip)
        return strip

    def _widths(self, width: int) -> list[int | None]:
        """Column widths for the rows on screen: a fixed width is a minimum that grows to the longest cell shown,
        as long as the last column keeps a third of the line (a wide terminal shows long names whole)."""
        top, height = self.scroll_offset.y, max(1, self.size.height)
        key = (width, top, height, len(self.rows), id(self.rows[-1]) if self.rows else 0)
        cached = getattr(self, "_widths_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        shown = [self._cells(self.rows[i]) for i in range(top, min(len(self.rows), top + height))]
        widths: list[int | None] = [w for _, w in self.columns]
        spare = width - sum(w + 1 for w in widths if w is not None) - width // 3
        for column, (label, minimum) in enumerate(self.columns):
            if minimum is None or spare <= 0:
                continue
            longest = max([cell_len(label), *(cell_len(row[column][0]) for row in shown if column < len(row))])
            grown = min(longest, minimum + spare)
            spare -= max(0, grown - minimum)
            widths[column] = max(minimum, grown)
        self._widths_cache = (key, widths)
        return widths

    def _strip(self, cells: Sequence[Cell], base: Style, width: int) -> Strip:
        segments: list[Segment] = []
        used = 0
        for (text, spec), column_width in zip(cells, self._widths(width), strict=False):
            size = column_width if column_width is not None else max(0, width - used - 1)
            padded = set_cell_size(text, size) if text else " " * size  # (rich returns "" for "")
            segments.append(Segment(" " + padded, base + _style(spec)))
            used += size + 1
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return Strip(segments).crop(0, width)

    def _virtual_size(self) -> Size:
        """Width 0 (overflow-x is hidden): a width taken while the table was hidden would change when it is shown,
        and a new virtual size costs the whole screen a second layout on that tab switch."""
        return Size(0, len(self.rows) + 1)

    def on_resize(self) -> None:
        self.virtual_size = self._virtual_size()
        # a table sized while hidden (another tab) scrolled nowhere: bring the cursor into view once laid out.
        # The row is read then, not now: a key press (or a test's move_cursor) between the resize and the
        # refresh would otherwise have its cursor put back where it was at the resize.
        self.call_after_refresh(self._cursor_into_view)

    def _cursor_into_view(self) -> None:
        self.move_cursor(self.cursor_row)

    def on_show(self) -> None:
        self.catch_up()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self.rows):
            if index == self.cursor_row or event.chain > 1:
                self.post_message(self.Selected(self, index))
            self.move_cursor(index)

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self.size.height - 2))

    def action_jump(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else len(self.rows) - 1)

    def action_select(self) -> None:
        if 0 <= self.cursor_row < len(self.rows):
            self.post_message(self.Selected(self, self.cursor_row))
