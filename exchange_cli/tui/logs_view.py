"""The Logs view: every finished ``@operation`` with its duration, outcome and correlation id."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from exchange_cli.tui.events import OpenEntry
from exchange_cli.tui.rows import LogRow
from exchange_cli.tui.stream_table import StreamTable


class LogsView(StreamTable[LogRow]):
    """Operation logs, live."""

    COLUMNS = (("time", 12), ("operation", 20), ("function", 14), ("ms", 8), ("ok", 3), ("cid", 12), ("error", None))
    PLACEHOLDER = "filter: fn:NAME status:error cid:ID words (operation names)"

    def cells(self, row: LogRow) -> Iterable[str | Text]:
        return (
            row.at.astimezone().strftime("%H:%M:%S.%f")[:-3],
            row.operation,
            row.function,
            f"{row.duration_ms:.1f}",
            Text("✓", style="green") if row.ok else Text("✗", style="bold red"),
            row.correlation_id[:12],
            Text(row.error, style="red"),
        )

    def on_data_table_row_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.post_message(OpenEntry(row.entry))
