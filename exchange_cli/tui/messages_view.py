"""The Messages view: every message in and out, retry, poison and invocation end, live; Enter opens one."""

from __future__ import annotations

from collections.abc import Sequence

from exchange_cli.tui.live_table import Cell
from exchange_cli.tui.rows import StreamRow
from exchange_cli.tui.stream_table import StreamTable

_STATUS_STYLE = {"ok": "green", "sent": "cyan", "received": "blue", "error": "bold red", "timeout": "bold red",
                 "poison": "bold red", "dead-lettered": "red", "retrying": "yellow", "retry": "yellow",
                 "failed": "bold red"}  # fmt: skip


class MessagesView(StreamTable[StreamRow]):
    """Messages moving through queues and functions."""

    # fits 80 columns; wider terminals give the last column the rest
    COLUMNS = (("time", 12), ("kind", 6), ("queue", 14), ("function", 12), ("status", 8), ("dq", 2), ("cid", None))

    def cells(self, row: StreamRow) -> Sequence[Cell]:
        return (
            (row.at.astimezone().strftime("%H:%M:%S.%f")[:-3], ""),
            (row.kind, ""),
            (row.queue, ""),
            (row.function, ""),
            (row.status, _STATUS_STYLE.get(row.status, "")),
            ("" if row.dequeue_count is None else str(row.dequeue_count), ""),
            (row.correlation_id, ""),
        )
