"""The plugin's database fixtures: isolated, real databases."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from emulator.testing.plugin import postgres_schema
from framework.db import Database, create_engine, resolve_database_url

pytestmark = pytest.mark.database


def test_database_fixture_is_empty_and_has_the_schema(database: Database) -> None:
    with database.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM entities")).scalar() == 0


def test_test_tenant_ids_are_unique_per_test(test_tenant: dict[str, str]) -> None:
    assert test_tenant["id"].startswith("test-tenant-") and len(test_tenant["id"]) == len("test-tenant-") + 8


@pytest.mark.skipif(
    not os.environ.get("EXCHANGE_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="needs EXCHANGE_TEST_DATABASE_URL pointing at PostgreSQL",
)
def test_postgres_schema_confines_tables_to_a_fresh_schema_and_drops_it() -> None:
    url = resolve_database_url(os.environ["EXCHANGE_TEST_DATABASE_URL"])
    with postgres_schema(url) as scoped:
        database = Database(scoped)
        database.create_schema()
        with database.engine.connect() as connection:
            schema = connection.execute(sa.text("SELECT current_schema()")).scalar()
            tables = connection.execute(
                sa.text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"), {"s": schema}
            ).scalar()
        database.dispose()
        assert str(schema).startswith("exchange_test_") and tables == 6  # five framework tables + alembic_version
    admin = create_engine(url)
    with admin.connect() as connection:
        left = connection.execute(sa.text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema})
        assert left.scalar() == 0
    admin.dispose()
