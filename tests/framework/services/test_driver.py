"""framework.services._driver: a driver-SQL INSERT writes exactly the rows a Core insert writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
import sqlalchemy as sa

from framework.db import Database
from framework.models import StateTransitionRow, TenantRow
from framework.services._base import insert_if_new
from framework.services._driver import driver_insert

pytestmark = pytest.mark.database

TRANSITIONS = cast(sa.Table, StateTransitionRow.__table__)
TENANTS = cast(sa.Table, TenantRow.__table__)
COLUMNS = (
    "tenant_id",
    "entity_id",
    "message_id",
    "correlation_id",
    "processor",
    "from_state",
    "to_state",
    "details",
    "at",
)
#: A timestamp in another zone: both paths must store it as the same UTC instant.
AT = datetime(2026, 12, 1, 23, 5, 1, 123456, tzinfo=timezone(timedelta(hours=2)))


def transition(message_id: str, to_state: str, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "tenant_id": "t",
        "entity_id": None,
        "message_id": message_id,
        "correlation_id": "c-1",
        "processor": "p",
        "from_state": None,
        "to_state": to_state,
        "details": details,
        "at": AT,
    }


def stored(database: Database, message_id: str) -> list[tuple[Any, ...]]:
    """The rows as the database holds them (JSON and timestamps as text), in insertion order."""
    query = sa.text(
        "SELECT entity_id, correlation_id, processor, from_state, to_state, CAST(details AS TEXT), CAST(at AS TEXT)"
        " FROM state_transitions WHERE message_id = :m ORDER BY id"
    )
    with database.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query, {"m": message_id})]


def test_a_multi_row_driver_insert_stores_what_a_core_insert_stores(database: Database) -> None:
    rows = [transition("core", "received", {}), transition("core", "processing", {"attempt": 1, "why": "Zoë"})]
    with database.engine.begin() as connection:
        connection.execute(sa.insert(TENANTS), {"id": "t", "name": "t"})
        connection.execute(sa.insert(TRANSITIONS), rows)
        insert = driver_insert(sa.insert(TRANSITIONS), TRANSITIONS, COLUMNS, 2, connection.dialect)
        count = insert.execute(connection, [{**row, "message_id": "driver"} for row in rows])

    assert count == 2
    assert stored(database, "driver") == stored(database, "core")
    assert [row[4] for row in stored(database, "driver")] == ["received", "processing"]


def test_an_on_conflict_insert_reports_by_its_rowcount_whether_it_wrote(database: Database) -> None:
    statement = insert_if_new(TENANTS, database.dialect, ("id",))
    assert statement is not None
    with database.engine.begin() as connection:
        insert = driver_insert(statement, TENANTS, ("id", "name", "created_at"), 1, connection.dialect)
        first = insert.execute(connection, [{"id": "t", "name": "first", "created_at": AT}])
        again = insert.execute(connection, [{"id": "t", "name": "second", "created_at": AT}])
        names = connection.execute(sa.select(TENANTS.c.name)).scalars().all()
    assert (first, again, names) == (1, 0, ["first"])


def test_a_driver_insert_error_is_sqlalchemys_integrity_error(database: Database) -> None:
    insert_tenant = sa.insert(TENANTS)
    with database.engine.connect() as connection, connection.begin():
        insert = driver_insert(insert_tenant, TENANTS, ("id", "name", "created_at"), 1, connection.dialect)
        insert.execute(connection, [{"id": "t", "name": "t", "created_at": datetime.now(UTC)}])
        with pytest.raises(sa.exc.IntegrityError):
            insert.execute(connection, [{"id": "t", "name": "t", "created_at": datetime.now(UTC)}])
