"""Actions from the keyboard: the JSON editor's validation, sending, the poison view's delete, the palette."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
from textual.widgets import Button, Label, TextArea
from tui_traffic import order_flow, wait_for, write

from emulator.client.queues import peek, poison_queue_name, send
from emulator.journal.store import Journal
from exchange_cli.tui import make_app
from exchange_cli.tui.poison_view import PoisonView
from exchange_cli.tui.send_screen import SendScreen
from exchange_cli.tui.target import TuiTarget

pytestmark = pytest.mark.asyncio


async def test_the_editor_refuses_invalid_json_and_bad_queue_names(target: TuiTarget) -> None:
    app = make_app(target)
    async with app.run_test() as pilot:
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, SendScreen)
        screen.query_one("#queue").value = "Bad_Queue"  # type: ignore[attr-defined]
        await pilot.pause()
        assert "Bad_Queue" in str(screen.query_one("#problem", Label).render())
        assert screen.query_one("#send", Button).disabled

        screen.query_one("#queue").value = "orders"  # type: ignore[attr-defined]
        screen.query_one(TextArea).load_text('{"id": 1,')
        await pilot.pause()
        assert "not valid JSON" in str(screen.query_one("#problem", Label).render())
        await pilot.press("ctrl+s")
        assert app.screen is screen  # still open: nothing was sent

        await pilot.press("escape")
        assert not isinstance(app.screen, SendScreen)


@pytest.mark.azurite
async def test_a_valid_message_is_sent_to_the_queue(target: TuiTarget, storage_connection_string: str) -> None:
    queue = f"tui-send-{uuid.uuid4().hex[:8]}"
    app = make_app(replace(target, storage=storage_connection_string))
    async with app.run_test() as pilot:
        await pilot.press("s")
        app.screen.query_one("#queue").value = queue  # type: ignore[attr-defined]
        app.screen.query_one(TextArea).load_text('{"id": 42}')
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(peek(storage_connection_string, queue)), timeout=10)

    [message] = peek(storage_connection_string, queue)
    assert json.loads(message.body) == {"id": 42}


@pytest.mark.azurite
async def test_the_poison_view_lists_explains_and_deletes(
    journal: Journal, target: TuiTarget, storage_connection_string: str
) -> None:
    queue = f"tui-poison-{uuid.uuid4().hex[:8]}"
    flow = [replace(e, queue=queue) if e.queue == "orders" else e for e in order_flow(1, fail=True)]
    write(journal, flow)
    send(storage_connection_string, poison_queue_name(queue), [flow[0].data["body"]])
    app = make_app(replace(target, storage=storage_connection_string))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.model.entries_seen == len(flow))
        await pilot.press("5", "ctrl+r")
        view = app.query_one(PoisonView)
        await wait_for(pilot, lambda: len(view.poisoned) == 1)

        await pilot.press("d")
        await wait_for(pilot, lambda: not view.poisoned, timeout=10)
    assert peek(storage_connection_string, poison_queue_name(queue)) == []


async def test_the_command_palette_offers_the_views_and_actions(target: TuiTarget) -> None:
    app = make_app(target)
    async with app.run_test() as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Show Routing", "Send a message", "Follow a correlation id", "Pause / resume the stream"} <= set(titles)
        await pilot.press("ctrl+p")
        assert type(app.screen).__name__ == "CommandPalette"


async def test_tab_in_the_editor_moves_to_the_queue_field_and_back(target: TuiTarget) -> None:
    app = make_app(target)
    async with app.run_test() as pilot:
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, SendScreen)
        editor = screen.query_one(TextArea)
        editor.focus()
        await pilot.pause()
        before = editor.text

        await pilot.press("tab")
        assert screen.query_one("#queue").has_focus
        await pilot.press("tab")
        assert editor.has_focus
        await pilot.press("shift+tab")
        assert screen.query_one("#queue").has_focus
        assert editor.text == before  # no tab character was typed into the body


@pytest.mark.subprocess  # the storage SDK's user agent runs `uname -p` (platform.uname() on Python 3.11)
async def test_a_stopped_storage_is_said_and_the_app_keeps_running(journal: Journal, target: TuiTarget) -> None:
    from textual.widgets import Static

    from emulator.azurite import free_port
    from framework.storage import dev_connection_string

    write(journal, order_flow(1))  # the pipeline has queues, so the poison view looks at their poison queues
    dead = dev_connection_string(ports={"Queue": free_port(), "Blob": free_port(), "Table": free_port()})
    app = make_app(replace(target, storage=dead))
    async with app.run_test() as pilot:
        await pilot.press("5")
        detail = app.query_one("#poison-detail", Static)
        await wait_for(pilot, lambda: "Cannot reach the queue service" in str(detail.render()), timeout=20)
        app.send("orders", '{"id": 1}')
        await wait_for(pilot, lambda: any("Not sent: Cannot reach" in n.message for n in app._notifications), 20)
        assert app.is_running
