"""The Logs view: every finished ``@operation`` with its duration, outcome and correlation id."""

from __future__ import annotations

from collections.abc import Sequence

from exchange_cli.tui.live_table import Cell
from exchange_cli.tui.rows import LogRow
from exchange_cli.tui.stream_table import StreamTable


class LogsView(StreamTable[LogRow]):
    """Operation logs, live; Enter opens one."""

    COLUMNS = (("time", 12), ("operation", 18), ("function", 12), ("ms", 7), ("ok", 2), ("cid", 10), ("error", None))
    PLACEHOLDER = "filter: fn:NAME status:error cid:ID words (operation names)"

    def cells(self, row: LogRow) -> Sequence[Cell]:
        return (
            (row.at.astimezone().strftime("%H:%M:%S.%f")[:-3], ""),
            (row.operation, ""),
            (row.function, ""),
            (f"{row.duration_ms:.1f}", ""),
            ("✓", "green") if row.ok else ("✗", "bold red"),
            (row.correlation_id[:10], ""),
            (row.error, "red"),
        )
