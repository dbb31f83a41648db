"""The TUI's views, driven with Pilot against a real journal file."""

from __future__ import annotations

import asyncio

import pytest
from rich.text import Text
from textual.widgets import DataTable, Input, Static
from tui_traffic import host_start, order_flow, shown, wait_for, write, write_orders

from emulator.journal.store import Journal
from exchange_cli.tui import make_app
from exchange_cli.tui.functions_view import FunctionsView
from exchange_cli.tui.logs_view import LogsView
from exchange_cli.tui.message_screen import MessageScreen
from exchange_cli.tui.messages_view import MessagesView
from exchange_cli.tui.routing_view import RoutingView
from exchange_cli.tui.target import TuiTarget

pytestmark = pytest.mark.asyncio


def cell_texts(table: DataTable[object], row: str) -> list[str]:
    return [Text.from_markup(c).plain if isinstance(c, str) else str(c) for c in table.get_row(row)]


def stream_rows(app: object, view: type[MessagesView] | type[LogsView] = MessagesView) -> list[object]:
    return list(app.query_one(view)._shown)  # type: ignore[attr-defined]


async def test_functions_view_shows_declared_functions_with_figures_from_the_journal(
    journal: Journal, target: TuiTarget
) -> None:
    write(journal, [host_start()])
    write_orders(journal, 1, 10, fail_every=5)
    app = make_app(target)
    async with app.run_test(size=(140, 30)) as pilot:
        table = app.query_one(FunctionsView).query_one(DataTable)
        await wait_for(pilot, lambda: "ingest" in table.rows and cell_texts(table, "ingest")[3] == "10")

        ingest = cell_texts(table, "ingest")
        assert ingest[:5] == ["ingest", "queue orders", "failing", "10", "2"]
        assert ingest[6] == "ValueError: amount missing"
        assert cell_texts(table, "nightly")[1:3] == ["timer 0 0 2 * * *", "idle"]
        table.move_cursor(row=list(table.rows).index("ingest"))
        await pilot.pause()
        detail = shown(app.query_one("#function-detail", Static))
        assert detail.startswith("ingest: queue orders → queue:enriched · 10 runs, 2 failed, mean ")
        assert "last error: ValueError: amount missing" in detail


async def test_messages_arriving_in_the_journal_appear_in_the_stream(journal: Journal, target: TuiTarget) -> None:
    write_orders(journal, 1, 3)
    app = make_app(target, poll_interval=0.05)
    async with app.run_test() as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: len(stream_rows(app)) == 9)  # in, out, done per order

        write_orders(journal, 4, 2)
        await wait_for(pilot, lambda: len(stream_rows(app)) == 15)

        kinds = [row.kind for row in stream_rows(app)][-3:]  # type: ignore[attr-defined]
        assert kinds == ["in", "out", "done"]


async def test_filter_line_keeps_only_matching_messages(journal: Journal, target: TuiTarget) -> None:
    write_orders(journal, 1, 10, fail_every=5)
    app = make_app(target)
    async with app.run_test() as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: len(stream_rows(app)) > 20)
        await pilot.press("slash", *"status:error")
        await wait_for(pilot, lambda: len(stream_rows(app)) == 2)

        assert {(r.kind, r.function) for r in stream_rows(app)} == {("done", "ingest")}  # type: ignore[attr-defined]

        app.query_one(MessagesView).query_one(Input).value = "queue:enriched"
        await wait_for(pilot, lambda: len(stream_rows(app)) == 8)


async def test_enter_opens_the_message_with_its_payload_and_what_it_caused(journal: Journal, target: TuiTarget) -> None:
    write_orders(journal, 1, 3)
    app = make_app(target)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: len(stream_rows(app)) == 9)
        table = app.query_one(MessagesView).table
        table.focus()
        table.move_cursor(row=3)  # order 2, message in
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen))
        screen = app.screen
        await wait_for(pilot, lambda: hasattr(screen, "related"))

        assert '"order_id": 2' in shown(screen.query_one("#payload", Static))
        kinds = [e.kind for e in screen.related]  # type: ignore[attr-defined]
        assert kinds == ["message.in", "invocation.start", "operation.start", "operation.end",
                         "entity.persisted", "message.out", "invocation.end"]  # fmt: skip
        await pilot.press("escape")
        assert not isinstance(app.screen, MessageScreen)


async def test_following_a_correlation_id_narrows_messages_logs_and_routing(
    journal: Journal, target: TuiTarget
) -> None:
    write(journal, [host_start()])
    write_orders(journal, 1, 5)
    app = make_app(target)
    async with app.run_test() as pilot:
        await pilot.press("2")
        table = app.query_one(MessagesView).table
        await wait_for(pilot, lambda: len(stream_rows(app)) == 15 and table.size.height > 0)  # rows in, laid out
        table.focus()
        table.move_cursor(row=6)  # order 3
        await pilot.pause()  # the resize's scroll-into-view runs after a refresh: it must keep the cursor on 6
        assert table.cursor_row == 6
        await pilot.press("c")
        await wait_for(pilot, lambda: len(stream_rows(app)) == 3)

        assert app.follow == "cid-00003"
        assert {r.correlation_id for r in stream_rows(app, LogsView)} == {"cid-00003"}  # type: ignore[attr-defined]
        assert "following cid-00003" in app.sub_title
        graph = shown(app.query_one(RoutingView).query_one("#graph", Static))
        assert "ingest" in graph
        await pilot.press("x")
        await wait_for(pilot, lambda: len(stream_rows(app)) == 15)


async def test_pause_holds_the_stream_and_resume_catches_up(journal: Journal, target: TuiTarget) -> None:
    write_orders(journal, 1, 2)
    app = make_app(target, poll_interval=0.05)
    async with app.run_test() as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: len(stream_rows(app)) == 6)
        await pilot.press("p")
        write_orders(journal, 3, 2)
        await wait_for(pilot, lambda: app.model.entries_seen == 4 * 7)
        await asyncio.sleep(0)  # the model has it; the paused table must not

        assert len(stream_rows(app)) == 6
        assert "PAUSED" in app.sub_title
        await pilot.press("p")
        await wait_for(pilot, lambda: len(stream_rows(app)) == 12)


async def test_tables_keep_only_the_newest_rows(journal: Journal, target: TuiTarget) -> None:
    write_orders(journal, 1, 100)
    app = make_app(target, ring_size=50)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.model.entries_seen == 100 * 7)

        rows = stream_rows(app)
        assert len(rows) == 50
        assert app.query_one(MessagesView).table.row_count == 50
        assert rows[-1].correlation_id == "cid-00100"  # type: ignore[attr-defined]


async def test_routing_shows_queues_functions_and_outputs_with_counts(journal: Journal, target: TuiTarget) -> None:
    write(journal, [host_start()])
    write_orders(journal, 1, 4, fail_every=4)
    app = make_app(target)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: app.model.entries_seen == 1 + 3 * 7 + 6)
        app.query_one(RoutingView).redraw()
        graph = shown(app.query_one(RoutingView).query_one("#graph", Static))

        assert "queue orders" in graph
        assert "──▶ 4 · 0.0/min  ƒ ingest" in graph
        assert "──▶ 3 · 0.0/min  ▤ queue enriched" in graph
        assert "1 err  ▤ queue orders-poison" in graph
        assert "timer → nightly" in graph


@pytest.mark.parametrize("key", ["question_mark"])
async def test_help_screen_opens_and_closes(target: TuiTarget, key: str) -> None:
    app = make_app(target)
    async with app.run_test() as pilot:
        await pilot.press(key)
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "Screen"


async def test_theme_toggles_between_light_and_dark(target: TuiTarget) -> None:
    app = make_app(target)
    async with app.run_test() as pilot:
        before = app.theme
        await pilot.press("ctrl+t")
        assert app.theme != before
        assert "light" in (app.theme + before)


async def test_a_journal_created_after_start_is_picked_up(tmp_path: object, target: TuiTarget) -> None:
    late = TuiTarget(target.deployment_dir, target.journal_path.parent / "late.db")
    app = make_app(late, poll_interval=0.05)
    async with app.run_test() as pilot:
        await pilot.pause(0.1)
        journal = Journal(late.journal_path, keep_days=100_000)
        try:
            write(journal, order_flow(1))
            await wait_for(pilot, lambda: app.model.entries_seen == 7)
        finally:
            journal.close()


async def test_the_mouse_moves_the_cursor_and_a_second_click_opens_the_message(
    journal: Journal, target: TuiTarget
) -> None:
    write_orders(journal, 1, 2)
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#tabs Tab#--content-tab-messages")
        await wait_for(pilot, lambda: len(stream_rows(app)) == 6)
        table = app.query_one(MessagesView).table
        await pilot.click(table, offset=(5, 2))  # the header is line 0: line 2 is the second row
        assert table.cursor_row == 1
        await pilot.click(table, offset=(5, 2))
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen))
        assert app.screen.entry.kind == "message.out"  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [160, 200])
async def test_long_queue_and_function_names_are_shown_whole_on_a_wide_terminal(
    journal: Journal, target: TuiTarget, width: int
) -> None:
    from emulator.journal.store import JournalEntry

    queue, function = "acme-orders-enriched-poison", "enrich_and_forward_orders"
    write(journal, [host_start(), JournalEntry("message.in", queue=queue, function=function, data={"body": "{}"})])
    app = make_app(target)
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.press("2")
        table = app.query_one(MessagesView).table
        await wait_for(pilot, lambda: table.row_count == 1)
        await pilot.pause()
        line = table.render_line(1).text

    assert queue in line and function in line


async def test_two_tab_keys_typed_at_once_leave_the_second_tab_shown(journal: Journal, target: TuiTarget) -> None:
    # both keys queued before either is handled, as a fast typist does: the first tab's late activation used to
    # focus its pane, which activated it again, and the two tabs took turns for ever
    from textual import events
    from textual.widgets import TabbedContent

    write_orders(journal, 1, 3)
    app = make_app(target)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.model.entries_seen == 3 * 7)
        tabs = app.query_one(TabbedContent)
        activations: list[str] = []
        tabs.watch(tabs, "active", lambda active: activations.append(active), init=False)
        assert app._driver is not None
        for key in ("2", "6"):
            app._driver.send_message(events.Key(key, key))
        await wait_for(pilot, lambda: tabs.active == "logs")
        for _ in range(5):
            await pilot.pause()

        assert activations == ["messages", "logs"]
        assert app.focused is app.query_one(LogsView).table


async def test_digits_typed_in_a_filter_line_are_text_not_tab_keys(journal: Journal, target: TuiTarget) -> None:
    # the tab keys are the app's before the focused widget sees them (priority), except in a text field
    from textual.widgets import TabbedContent

    write_orders(journal, 1, 3)
    app = make_app(target)
    async with app.run_test() as pilot:
        await pilot.press("2", "slash", "4", "1")
        filter_line = app.query_one(MessagesView).query_one(Input)
        await wait_for(pilot, lambda: filter_line.value == "41")

        assert app.query_one(TabbedContent).active == "messages"
        assert app.focused is filter_line


async def test_a_tab_key_on_a_dialog_leaves_the_tab_behind_it(target: TuiTarget) -> None:
    from textual.widgets import TabbedContent

    app = make_app(target)
    async with app.run_test() as pilot:
        await pilot.press("question_mark", "3")
        await pilot.pause()

        assert type(app.screen).__name__ == "HelpScreen"
        assert app.query_one(TabbedContent).active == "functions"


async def test_the_footer_shows_the_keys_of_the_tab_shown(journal: Journal, target: TuiTarget) -> None:
    from textual.widgets._footer import FooterKey

    def shown_keys() -> set[str]:
        return {k.description for k in app.query(FooterKey) if k.display}

    write_orders(journal, 1, 3)
    app = make_app(target)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.model.entries_seen == 3 * 7)
        for key, follow_shown in (("2", True), ("1", False), ("6", True), ("6", True), ("3", False)):
            await pilot.press(key)
            await wait_for(pilot, lambda shown=follow_shown: ("Follow cid" in shown_keys()) is shown)
            assert {"Filter", "Quit"} <= shown_keys()
