"""The detail of one message (or invocation end): payload as highlighted JSON, metadata, and what it caused."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from emulator.journal.store import JournalEntry
from exchange_cli.tui.events import FollowCorrelation, SendMessage
from exchange_cli.tui.feed import JournalFeed
from exchange_cli.tui.render import json_or_text

_META = ("id", "kind", "function", "queue", "status", "correlation_id", "invocation_id", "message_id", "pid")


def payload(entry: JournalEntry) -> RenderableType:
    """The body, pretty and highlighted when it is JSON; the error and traceback when there are."""
    body = entry.data.get("body")
    parts: list[RenderableType] = []
    if isinstance(body, str):
        parts.append(json_or_text(body))
    for key in ("error", "error_message", "traceback"):
        if entry.data.get(key):
            parts.append(Text(str(entry.data[key]), style="red"))
    return Group(*parts) if parts else Text("(no body recorded)", style="dim")


def metadata(entry: JournalEntry) -> Table:
    """The entry's fields and its data (the body left out)."""
    table = Table.grid(padding=(0, 2))
    values: dict[str, Any] = {**entry.to_dict(), **{k: v for k, v in entry.data.items() if k != "body"}}
    for key, value in values.items():
        if key in ("data", "traceback") or value in (None, "", [], {}):
            continue
        table.add_row(Text(key, style="bold"), Text(json.dumps(value) if not isinstance(value, str) else value))
    return table


def caused(entries: list[JournalEntry], current: int | None) -> Table:
    """The related entries, one line each; the one shown is marked."""
    table = Table("  time", "kind", "function", "queue", "status", box=None, padding=(0, 1))
    for e in entries:
        mark = "▶ " if e.id == current else "  "
        detail = e.data.get("operation") or e.data.get("destination") or ""
        when = mark + e.at.astimezone().strftime("%H:%M:%S.%f")[:-3]
        style = "bold" if e.id == current else ""
        table.add_row(when, f"{e.kind} {detail}".strip(), e.function or "", e.queue or "", e.status or "", style=style)
    return table


class MessageScreen(ModalScreen[None]):
    """One journal entry in full; its related entries are loaded in a worker."""

    DEFAULT_CSS = """
    MessageScreen { align: center middle; }
    MessageScreen > VerticalScroll { width: 95%; height: 90%; border: round $accent; background: $surface; }
    MessageScreen .title { text-style: bold; color: $accent; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("r", "resend", "Replay"),
        Binding("c", "follow", "Follow cid"),
    ]

    def __init__(self, entry: JournalEntry, feed: JournalFeed) -> None:
        super().__init__()
        self.entry = entry
        self.feed = feed

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Payload", classes="title")
            yield Static(payload(self.entry), id="payload")
            yield Static("Metadata", classes="title")
            yield Static(metadata(self.entry), id="metadata")
            yield Static("Invocations and outputs it caused", classes="title")
            yield Static(Text("loading…", style="dim"), id="caused")
        yield Footer()

    def on_mount(self) -> None:
        self.load_related()

    @work(thread=True, exclusive=True)
    def load_related(self) -> None:
        """Read every entry sharing its correlation id, invocation or message id."""
        e = self.entry
        related = self.feed.related(e.correlation_id, [e.invocation_id] if e.invocation_id else [], e.message_id)
        invocations = {r.invocation_id for r in related if r.invocation_id} - {e.invocation_id}
        if invocations:  # a second hop: what the invocations it triggered did
            more = self.feed.related(None, sorted(i for i in invocations if i), None)
            related = sorted({r.id: r for r in [*related, *more]}.values(), key=lambda r: r.id or 0)
        self.app.call_from_thread(self._show_related, related)

    def _show_related(self, related: list[JournalEntry]) -> None:
        self.related = related
        self.query_one("#caused", Static).update(caused(related, self.entry.id))

    def action_resend(self) -> None:
        body, queue = self.entry.data.get("body"), self.entry.queue
        if isinstance(body, str) and queue and self.entry.kind in ("message.in", "message.out", "message.poison"):
            self.app.post_message(SendMessage(queue, body))
        else:
            self.notify("Only a message with a body and a queue can be replayed.", severity="warning")

    def action_follow(self) -> None:
        if self.entry.correlation_id:
            self.app.post_message(FollowCorrelation(self.entry.correlation_id))
            self.dismiss()
