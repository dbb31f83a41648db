"""How the TUI looks, at 80x24 and larger: SVG snapshots (``--snapshot-update`` to accept changes, after looking)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea
from tui_traffic import host_start, wait_for, write, write_orders

from emulator.journal.store import Journal
from exchange_cli.tui import make_app
from exchange_cli.tui.app import ExchangeApp
from exchange_cli.tui.messages_view import MessagesView
from exchange_cli.tui.target import TuiTarget

SnapCompare = Callable[..., bool]
ENTRIES = 1 + 27 * 7 + 3 * 6


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times are shown in local time: make it UTC so the snapshots do not depend on the machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def app(journal: Journal, target: TuiTarget) -> ExchangeApp:
    write(journal, [host_start()])
    write_orders(journal, 1, 30, fail_every=10)
    return make_app(target)


def settled(app: ExchangeApp, then: Callable[[Pilot[Any]], Awaitable[None]] | None = None) -> Any:
    """Wait until the whole journal is in, redraw, then do ``then``."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: app.model.entries_seen == ENTRIES and bool(app.model.functions))
        app._dirty.update(functions=True, routing=True)
        app.redraw()
        if then is not None:
            await then(pilot)
        await pilot.pause()

    return run_before


def test_functions_view_at_80x24(app: ExchangeApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(app))


def test_messages_view_at_80x24(app: ExchangeApp, snap_compare: SnapCompare) -> None:
    async def show_messages(pilot: Pilot[Any]) -> None:
        await pilot.press("2")
        table = app.query_one(MessagesView).table

        def cursor_on_screen() -> bool:  # the table follows the newest row once it has been laid out
            top, height = table.scroll_offset.y, table.size.height - 1  # the header takes one line
            return height > 0 and top <= table.cursor_row < top + height and table.cursor_row == table.row_count - 1

        await wait_for(pilot, cursor_on_screen)

    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(app, then=show_messages))


def test_routing_view_at_80x24(app: ExchangeApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(app, press=["4"], terminal_size=(80, 24), run_before=settled(app))


def test_help_at_80x24(app: ExchangeApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(app, press=["question_mark"], terminal_size=(80, 24), run_before=settled(app))


def test_send_editor_with_an_error_at_80x24(app: ExchangeApp, snap_compare: SnapCompare) -> None:
    async def bad_json(pilot: Pilot[Any]) -> None:
        await pilot.press("s")
        app.screen.query_one("#queue").value = "orders"  # type: ignore[attr-defined]
        app.screen.query_one(TextArea).load_text('{\n  "id": 1,\n  "data": {\n}\n')
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(app, bad_json))


def test_message_detail_at_120x40(app: ExchangeApp, snap_compare: SnapCompare) -> None:
    async def open_order(pilot: Pilot[Any]) -> None:
        await pilot.press("2")
        table = app.query_one(MessagesView).table
        table.move_cursor(row=table.row_count - 3)  # the newest order's message in
        await pilot.press("enter")
        await wait_for(pilot, lambda: hasattr(app.screen, "related"))

    assert snap_compare(app, terminal_size=(120, 40), run_before=settled(app, open_order))


def test_messages_following_one_correlation_paused_at_120x40(app: ExchangeApp, snap_compare: SnapCompare) -> None:
    async def follow(pilot: Pilot[Any]) -> None:
        await pilot.press("2")
        app.follow = "cid-00020"
        await pilot.press("p")

    assert snap_compare(app, terminal_size=(120, 40), run_before=settled(app, follow))


def test_functions_view_in_the_light_theme_at_140x30(app: ExchangeApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(app, press=["ctrl+t"], terminal_size=(140, 30), run_before=settled(app))
