"""The TUI against a real running host on Azurite: send, watch, replay from the poison view."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static, TextArea
from tui_traffic import shown, wait_for

from emulator.client.queues import peek, poison_queue_name
from emulator.dev.state import DevState
from emulator.triggers.http.server import HttpOptions, HttpServer
from emulator.triggers.timer import TimerRunner
from exchange_cli.tui import make_app
from exchange_cli.tui.entities_view import EntitiesView
from exchange_cli.tui.functions_view import FunctionsView
from exchange_cli.tui.messages_view import MessagesView
from exchange_cli.tui.poison_view import PoisonView
from exchange_cli.tui.routing_view import RoutingView
from exchange_cli.tui.send_screen import SendScreen
from exchange_cli.tui.target import TuiTarget, for_host
from tests.emulator.support import RunningHost, running

pytestmark = [pytest.mark.asyncio, pytest.mark.azurite]
APP = Path(__file__).parent / "apps" / "orders"


@pytest.fixture
def http() -> HttpServer:
    """The host's HTTP server (with /admin) on a free port."""
    return HttpServer(HttpOptions(port=0))


@pytest.fixture
def host(tmp_path: Path, storage_connection_string: str, http: HttpServer) -> Iterator[tuple[RunningHost, str, str]]:
    """The orders app running on Azurite, with fresh queues, an SQLite entity database, timers and HTTP."""
    suffix = uuid.uuid4().hex[:8]
    inbox, outbox = f"orders-{suffix}", f"confirmed-{suffix}"
    deployment = tmp_path / "azure"
    shutil.copytree(APP, deployment)
    queues = {"maxPollingInterval": "00:00:00.100", "maxDequeueCount": 1}
    (deployment / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"queues": queues}}))
    values = {"FUNCTIONS_WORKER_RUNTIME": "python", "IN_QUEUE": inbox, "OUT_QUEUE": outbox}
    (deployment / "local.settings.json").write_text(json.dumps({"IsEncrypted": False, "Values": values}))
    url = f"sqlite:///{deployment / '.exchange' / 'exchange.db'}"
    runners = [TimerRunner(), http]
    with running(deployment, storage_connection_string, database_url=url, runners=runners) as running_host:
        yield running_host, inbox, outbox


def stream(app: object) -> list[tuple[str, str, str]]:
    rows = app.query_one(MessagesView)._shown  # type: ignore[attr-defined]
    return [(r.kind, r.queue, r.status) for r in rows]


async def test_a_message_sent_from_the_tui_is_processed_and_seen_everywhere_and_poison_replays(
    host: tuple[RunningHost, str, str], storage_connection_string: str
) -> None:
    running_host, inbox, outbox = host
    deployment = running_host.deployment
    url = f"sqlite:///{deployment / '.exchange' / 'exchange.db'}"
    target = TuiTarget(deployment, running_host.journal_path, url, None, storage_connection_string)
    app = make_app(target, poll_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await send_from_editor(pilot, app, inbox, {"id": 7, "amount": 70})
        await pilot.press("2")
        await wait_for(pilot, lambda: ("out", outbox, "sent") in stream(app), timeout=30)
        assert ("in", inbox, "received") in stream(app) and ("done", inbox, "ok") in stream(app)

        await pilot.press("3")
        view = app.query_one(EntitiesView)
        await wait_for(pilot, lambda: [e.external_id for e in view.entities] == ["7"], timeout=10)

        await pilot.press("4")
        app.query_one(RoutingView).redraw()
        graph = shown(app.query_one(RoutingView).query_one("#graph", Static))
        assert f"queue {inbox}" in graph and "ƒ ingest" in graph and f"queue {outbox}" in graph

        await send_from_editor(pilot, app, inbox, {"id": 8, "fail": True})
        await wait_for(pilot, lambda: ("poison", inbox, "poison") in stream(app), timeout=30)
        await pilot.press("5", "ctrl+r")
        poison = app.query_one(PoisonView)
        await wait_for(pilot, lambda: len(poison.poisoned) == 1, timeout=10)
        assert "order 8 refused" in shown(poison.query_one("#poison-detail", Static))

        await pilot.press("r")  # replayed: processed again, refused again, poisoned again
        await wait_for(pilot, lambda: stream(app).count(("poison", inbox, "poison")) == 2, timeout=30)
        assert len(peek(storage_connection_string, poison_queue_name(inbox))) == 1


async def test_functions_come_from_the_running_host_and_t_fires_a_timer(
    host: tuple[RunningHost, str, str], http: HttpServer, storage_connection_string: str
) -> None:
    running_host, _, outbox = host
    deployment = running_host.deployment
    state = DevState(os.getpid(), str(deployment), storage_connection_string, http.base_url(), None,
                     str(running_host.journal_path))  # fmt: skip
    app = make_app(for_host(state), poll_interval=0.1)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: {"ingest", "nightly"} <= set(app.model.functions), timeout=10)
        nightly = app.model.functions["nightly"]
        assert nightly.spec is not None and nightly.spec.trigger == "timer"
        assert app.model.functions["ingest"].spec.outputs == (f"queue:{outbox}",)  # type: ignore[union-attr]

        table = app.query_one(FunctionsView).query_one(DataTable)
        await wait_for(pilot, lambda: "nightly" in table.rows)
        table.focus()
        table.move_cursor(row=list(table.rows).index("nightly"))
        await pilot.press("t")
        await wait_for(pilot, lambda: nightly.invocations == 1, timeout=20)
        assert nightly.last_status == "ok"


async def send_from_editor(pilot: object, app: object, queue: str, body: dict[str, object]) -> None:
    await pilot.press("s")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, SendScreen))  # type: ignore[arg-type, attr-defined]
    screen = app.screen  # type: ignore[attr-defined]
    screen.query_one("#queue").value = queue
    screen.query_one(TextArea).load_text(json.dumps(body))
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: not isinstance(app.screen, SendScreen))  # type: ignore[arg-type, attr-defined]
