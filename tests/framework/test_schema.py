"""Migrations: the first one is today's create_all schema; old databases are adopted; upgrades keep every row.

Each test runs on SQLite, and on PostgreSQL when ``EXCHANGE_TEST_DATABASE_URL`` names one (each database a fresh
schema of its own there).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from emulator.testing.plugin import postgres_schema
from framework import schema
from framework.context import tenant_context
from framework.db import Database, create_engine, resolve_database_url
from framework.errors import SchemaError
from framework.migrations import BASELINE, HEAD
from framework.models import Base
from framework.services import EntityService, ProcessingService, StateTrackingService

pytestmark = pytest.mark.database

#: A test-only migration after the shipped head: a column added to a table that holds rows.
ADD_COLUMN = '''
"""Add entities.note (test only)."""
import sqlalchemy as sa
from alembic import op

revision = "t0002"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("entities", sa.Column("note", sa.String(64), nullable=False, server_default="none"))


def downgrade() -> None:
    op.drop_column("entities", "note")
'''


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes empty databases: SQLite files, or fresh PostgreSQL schemas when the suite runs on PostgreSQL."""
    base = os.environ.get("EXCHANGE_TEST_DATABASE_URL")
    counter = iter(range(1_000))
    with ExitStack() as stack:

        def make() -> str:
            if base and resolve_database_url(base).startswith("postgresql"):
                return stack.enter_context(postgres_schema(resolve_database_url(base)))
            return f"sqlite:///{tmp_path / f'db{next(counter)}.db'}"

        yield make


@pytest.fixture
def engines() -> Iterator[Callable[[str], sa.Engine]]:
    made: list[sa.Engine] = []

    def make(url: str) -> sa.Engine:
        made.append(create_engine(url))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


def snapshot(engine: sa.Engine) -> dict[str, Any]:
    """Everything the inspector sees of the framework's tables: columns, keys, constraints, indexes."""
    inspector = sa.inspect(engine)
    tables: dict[str, Any] = {}
    for name in sorted(set(inspector.get_table_names()) - {schema.VERSION_TABLE}):
        tables[name] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("autoincrement"))
                for c in inspector.get_columns(name)
            ],
            "pk": inspector.get_pk_constraint(name)["constrained_columns"],
            "fks": sorted(
                (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"], fk.get("options"))
                for fk in inspector.get_foreign_keys(name)
            ),
            "unique": sorted((u["name"], u["column_names"]) for u in inspector.get_unique_constraints(name)),
            "indexes": sorted((i["name"], i["column_names"], i["unique"]) for i in inspector.get_indexes(name)),
        }
    return tables


def sqlite_ddl(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE '%alembic%'")
        return {name: sql for name, sql in rows}


def legacy_database(url: str) -> Database:
    """A database as today's code made it before migrations: create_all, then some rows through the services."""
    database = Database(url)
    Base.metadata.create_all(database.engine)
    with tenant_context("acme"):
        for i in range(3):
            ProcessingService(database).process_entity(f"o-{i}", "order", "shop", {"total": i})
        StateTrackingService(database).record_transition("m-1", "received")
    return database


def counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t.name: connection.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in Base.metadata.tables.values()
        }


def test_the_first_migration_makes_exactly_the_create_all_schema(
    fresh_url: Callable[[], str], engines: Callable[[str], sa.Engine]
) -> None:
    created, migrated = engines(fresh_url()), engines(fresh_url())
    Base.metadata.create_all(created)
    schema.upgrade(migrated, BASELINE)
    assert snapshot(migrated) == snapshot(created)
    assert set(snapshot(created)) == schema.BASELINE_TABLES
    if created.dialect.name == "sqlite":  # the very DDL text, constraint order included
        assert sqlite_ddl(migrated) == sqlite_ddl(created)


def test_autogenerate_finds_no_difference_between_the_models_and_a_migrated_database(
    fresh_url: Callable[[], str], engines: Callable[[str], sa.Engine]
) -> None:
    engine = engines(fresh_url())
    schema.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        assert compare_metadata(context, Base.metadata) == []


def test_head_constant_is_the_head_of_the_migration_scripts() -> None:
    assert schema.head_revisions() == (HEAD,)
    assert [r.id for r in schema.history()][-1] == BASELINE


def test_a_create_all_database_with_rows_is_adopted_not_recreated(
    fresh_url: Callable[[], str], engines: Callable[[str], sa.Engine]
) -> None:
    database = legacy_database(fresh_url())
    before = counts(database.engine)
    result = schema.upgrade(database.engine)
    assert result.adopted and result.before.revisions == () and result.after == (HEAD,)
    assert counts(database.engine) == before and before["entities"] == 3
    with tenant_context("acme"):
        again = ProcessingService(database).process_entity("o-1", "order", "shop", {"total": 1})
    assert again.is_duplicate
    database.dispose()


def test_an_upgrade_adds_a_column_to_a_table_that_holds_rows(fresh_url: Callable[[], str], tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "t0002_add_note.py").write_text(ADD_COLUMN.format(head=HEAD))
    config = schema.alembic_config([versions])
    database = legacy_database(fresh_url())
    before = counts(database.engine)
    result = schema.upgrade(database.engine, config=config)
    assert result.adopted and result.after == ("t0002",)
    assert counts(database.engine) == before
    with database.engine.connect() as connection:
        notes = connection.exec_driver_sql("SELECT external_id, note FROM entities ORDER BY external_id").all()
    assert [tuple(n) for n in notes] == [("o-0", "none"), ("o-1", "none"), ("o-2", "none")]
    with tenant_context("acme"):  # the framework still reads and writes its rows
        assert len(EntityService(database).list_entities()) == 3
    database.dispose()


def test_a_database_with_only_some_framework_tables_is_refused(
    fresh_url: Callable[[], str], engines: Callable[[str], sa.Engine]
) -> None:
    engine = engines(fresh_url())
    Base.metadata.tables["tenants"].create(engine)
    with pytest.raises(SchemaError, match="tenants") as caught:
        schema.upgrade(engine)
    assert "empty database" in (caught.value.hint or "")


def test_a_revision_this_code_does_not_know_is_a_schema_error(
    fresh_url: Callable[[], str], engines: Callable[[str], sa.Engine]
) -> None:
    engine = engines(fresh_url())
    schema.upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'f999'")
    with pytest.raises(SchemaError, match="f999") as caught:
        schema.upgrade(engine)
    assert "newer exchange" in (caught.value.hint or "")


def test_two_migrators_at_once_leave_one_schema_at_head(
    fresh_url: Callable[[], str], engines: Callable[[str], sa.Engine]
) -> None:
    url = fresh_url()
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            schema.upgrade(engines(url))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert schema.current(engines(url)).revisions == (HEAD,)


def test_verify_policy_refuses_an_unmigrated_database_and_names_the_command(fresh_url: Callable[[], str]) -> None:
    url = fresh_url()
    database = Database(url, schema="verify")
    with pytest.raises(SchemaError) as caught:
        _ = database.engine
    assert "python -m framework.migrate upgrade" in (caught.value.hint or "")
    assert schema.current(create_engine(url)).tables == frozenset()  # checked, nothing created
    Database(url).create_schema()
    assert "entities" in sa.inspect(database.engine).get_table_names()  # at head now: the check passes
    database.dispose()


def test_migrate_policy_brings_the_database_to_head_on_first_use(fresh_url: Callable[[], str]) -> None:
    database = Database(fresh_url(), schema="migrate")
    with database.session() as session:
        assert session.scalar(sa.text("SELECT version_num FROM alembic_version")) == HEAD
    database.dispose()
