"""What every service shares: its database (resolved on first use), the tenant in force, tenant rows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from framework.context import current_tenant_id
from framework.db import Database, get_database
from framework.errors import TenantRequiredError
from framework.models import TenantRow


class Service:
    """A service over one database; without one, the process-wide default (``DATABASE_URL``) on first use."""

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
    with database.session() as session:
        if session.get(TenantRow, tenant_id) is None:
            session.execute(_insert_ignoring_duplicates(database.dialect).values(id=tenant_id, name=tenant_id))
    database.known_tenants.add(tenant_id)


def _insert_ignoring_duplicates(dialect: str) -> Any:
    """INSERT INTO tenants that does nothing when another writer inserted the same tenant first."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(TenantRow).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(TenantRow).on_conflict_do_nothing()
    return sa.insert(TenantRow)
