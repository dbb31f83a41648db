"""The Logs view: every finished ``@operation`` with its duration, outcome and correlation id."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from exchange_cli.tui.events import OpenEntry
from exchange_cli.tui.render import cell
from exchange_cli.tui.rows import LogRow
from exchange_cli.tui.stream_table import StreamTable


class LogsView(StreamTable[LogRow]):
    """Operation logs, live."""

    COLUMNS = (("time", 12), ("operation", 18), ("function", 12), ("ms", 7), ("ok", 2), ("cid", 10), ("error", None))
    PLACEHOLDER = "filter: fn:NAME status:error cid:ID words (operation names)"

    def cells(self, row: LogRow) -> Iterable[str | Text]:
        return (
            row.at.astimezone().strftime("%H:%M:%S.%f")[:-3],
            cell(row.operation),
            cell(row.function),
            f"{row.duration_ms:.1f}",
            cell("✓", "green") if row.ok else cell("✗", "bold red"),
            cell(row.correlation_id[:10]),
            cell(row.error, "red"),
        )

    def on_data_table_row_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.post_message(OpenEntry(row.entry))
