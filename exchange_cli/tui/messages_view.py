"""The Messages view: every message in and out, retry, poison and invocation end, live."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from exchange_cli.tui.events import OpenEntry
from exchange_cli.tui.render import cell
from exchange_cli.tui.rows import StreamRow
from exchange_cli.tui.stream_table import StreamTable

_STATUS_STYLE = {"ok": "green", "sent": "cyan", "received": "blue", "error": "bold red", "timeout": "bold red",
                 "poison": "bold red", "dead-lettered": "red", "retrying": "yellow"}  # fmt: skip


def short_time(row: StreamRow) -> str:
    """``HH:MM:SS.mmm`` in local time."""
    return row.at.astimezone().strftime("%H:%M:%S.%f")[:-3]


class MessagesView(StreamTable[StreamRow]):
    """Messages moving through queues and functions; Enter opens one."""

    # fits 80 columns; wider terminals give the last column the rest
    COLUMNS = (("time", 12), ("kind", 6), ("queue", 14), ("function", 12), ("status", 8), ("dq", 2), ("cid", None))

    def cells(self, row: StreamRow) -> Iterable[str | Text]:
        return (
            short_time(row),
            row.kind,
            cell(row.queue),
            cell(row.function),
            cell(row.status, _STATUS_STYLE.get(row.status, "")),
            "" if row.dequeue_count is None else str(row.dequeue_count),
            cell(row.correlation_id),
        )

    def on_data_table_row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self.selected()
        if row is not None:
            self.post_message(OpenEntry(row.entry))
