"""The Entities view against a real SQLite entity database written with the framework's services."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static
from tui_traffic import shown, wait_for

from emulator.journal.store import Journal
from exchange_cli.tui import make_app
from exchange_cli.tui.entities_view import EntitiesView
from exchange_cli.tui.entity_screen import EntityScreen
from exchange_cli.tui.target import TuiTarget
from framework.context import tenant_context
from framework.db import Database
from framework.services import ProcessingErrorService, ProcessingService, StateTrackingService

pytestmark = pytest.mark.asyncio


@pytest.fixture
def entity_target(target: TuiTarget, processing_service: ProcessingService, database_url: str) -> TuiTarget:
    """Two tenants' orders and a customer; order 1 has two versions, a transition and an error."""
    db = processing_service.database
    with tenant_context("acme"):
        first = processing_service.process_entity("1", "order", "shop", {"id": 1, "amount": 10, "state": "new"})
        processing_service.process_entity("1", "order", "shop", {"id": 1, "amount": 12, "state": "paid"})
        processing_service.process_entity("c7", "customer", "crm", {"name": "Ada"})
        StateTrackingService(db).record_transition("m1", "completed", from_state="processing",
                                                   entity_id=first.entity_id, processor="ingest")  # fmt: skip
        ProcessingErrorService(db).record_error("m0", "ingest", "ValueError", "amount missing",
                                                entity_id=first.entity_id)  # fmt: skip
    with tenant_context("globex"):
        processing_service.process_entity("2", "order", "shop", {"id": 2, "amount": 5})
    return replace(target, database_url=database_url)


def listed(app: object) -> list[tuple[str, str, str, int]]:
    view = app.query_one(EntitiesView)  # type: ignore[attr-defined]
    return sorted((e.tenant_id, e.canonical_type, e.external_id, e.version) for e in view.entities)


async def test_entities_of_every_tenant_are_listed_and_filtered(entity_target: TuiTarget) -> None:
    app = make_app(entity_target)
    async with app.run_test() as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: len(listed(app)) == 3)
        assert listed(app) == [("acme", "customer", "c7", 1), ("acme", "order", "1", 2), ("globex", "order", "2", 1)]

        app.query_one("#type", Input).value = "order"
        await wait_for(pilot, lambda: len(listed(app)) == 2)
        app.query_one("#tenant", Input).value = "globex"
        await wait_for(pilot, lambda: listed(app) == [("globex", "order", "2", 1)])


async def test_an_entity_shows_its_versions_the_diff_its_transitions_and_errors(entity_target: TuiTarget) -> None:
    app = make_app(entity_target)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        app.query_one("#type", Input).value = "order"
        app.query_one("#tenant", Input).value = "acme"
        await wait_for(pilot, lambda: len(listed(app)) == 1)
        app.query_one(EntitiesView).query_one(DataTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EntityScreen) and app.screen.history is not None)
        screen = app.screen

        diff = shown(screen.query_one("#diff", Static))
        assert '-  "amount": 10,' in diff and '+  "amount": 12,' in diff
        assert '+  "state": "paid"' in diff
        events = shown(screen.query_one("#events", Static))
        assert "processing → completed" in events and "ValueError" in events and "amount missing" in events

        await pilot.press("up")  # the first version: everything added
        await wait_for(pilot, lambda: '+  "state": "new"' in shown(screen.query_one("#diff", Static)))


async def test_without_a_database_the_view_says_so(target: TuiTarget) -> None:
    app = make_app(target)
    async with app.run_test() as pilot:
        await pilot.press("3")
        assert "No entity database" in shown(app.query_one("#entities-note", Static))


async def test_the_view_finds_a_database_that_appears_after_start_up(
    target: TuiTarget, journal: Journal, tmp_path: Path
) -> None:
    path = tmp_path / "later" / "exchange.db"
    app = make_app(replace(target, database_url=f"sqlite:///{path}"))
    async with app.run_test() as pilot:
        await pilot.press("3")
        note = app.query_one("#entities-note", Static)
        await wait_for(pilot, lambda: "No entities yet" in str(note.render()))
        assert not path.exists()  # looking does not create it

        path.parent.mkdir()
        database = Database(f"sqlite:///{path}")  # a worker creates it and stores the first entity
        database.create_schema()
        service = ProcessingService(database)
        with tenant_context("acme"):
            service.process_entity("9", "order", "shop", {"id": 9})
        service.database.dispose()
        journal.record("entity.persisted", function="ingest", entity_id="e9")

        await wait_for(pilot, lambda: listed(app) == [("acme", "order", "9", 1)])
