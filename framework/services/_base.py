"""What every service shares: its database (resolved on first use), the tenant in force, tenant rows."""

from __future__ import annotations

import functools
from typing import cast

import sqlalchemy as sa

from framework.context import current_tenant_id
from framework.databases import get_database
from framework.db import Database
from framework.errors import TenantRequiredError
from framework.models import TenantRow


class Service:
    """A service over one database; without one, the runtime in force's (``DATABASE_URL``), chosen on first use."""

    def __init__(self, database: Database | None = None) -> None:
        self._database = database

    @property
    def database(self) -> Database:
        """The database this service works on."""
        if self._database is None:
            self._database = get_database()
        return self._database


def require_tenant(action: str) -> str:
    """The tenant in force, or a TenantRequiredError saying that ``action`` needs one."""
    tenant_id = current_tenant_id()
    if not tenant_id:
        raise TenantRequiredError(
            f"{action} needs a tenant: wrap the call in tenant_context(...).",
            hint='with tenant_context("my-tenant"): ...  (the ProcessorHandler does this from ProcessorConfig)',
        )
    return tenant_id


def ensure_tenant(database: Database, tenant_id: str) -> None:
    """Create the tenant's row unless it exists; once per process and tenant, safe with concurrent writers."""
    if tenant_id in database.known_tenants:
        return
    table = cast(sa.Table, TenantRow.__table__)
    with database.connection() as connection:
        if connection.execute(sa.select(table.c.id).where(table.c.id == tenant_id)).first() is None:
            statement = insert_if_new(table, database.dialect, ("id",))
            insert = sa.insert(table) if statement is None else statement
            connection.execute(insert.values(id=tenant_id, name=tenant_id))
    database.known_tenants.add(tenant_id)


# A process-wide cache on purpose: it holds immutable statements keyed by table and dialect (no connection, no
# engine, no data), the same for every host, so sharing it between hosts shares nothing a host could see.
@functools.cache
def insert_if_new(table: sa.Table, dialect: str, key: tuple[str, ...]) -> sa.Insert | None:
    """INSERT INTO ``table`` that does nothing when a row with the same ``key`` exists (a unique constraint).

    None where the dialect has no ``ON CONFLICT`` (only SQLite and PostgreSQL are known to): read first there.
    Built once per table and dialect, so its compiled form is cached too. Its result's ``rowcount`` says whether
    it inserted (SQLAlchemy only keeps an INSERT's rowcount when asked to).
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=key).execution_options(preserve_rowcount=True)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=key).execution_options(preserve_rowcount=True)
    return None
