"""Reading entities: by id, by key, by listing; always within the current tenant (plus one admin listing)."""

from __future__ import annotations

import sqlalchemy as sa

from framework.entities import Entity, EntityVersion
from framework.errors import EntityNotFoundError
from framework.models import EntityRow, EntityVersionRow
from framework.services._base import Service, require_tenant


def entity_from_row(row: EntityRow) -> Entity:
    """The value of an entity row."""
    return Entity(
        id=row.id,
        tenant_id=row.tenant_id,
        external_id=row.external_id,
        canonical_type=row.canonical_type,
        source=row.source,
        version=row.version,
        content=dict(row.content),
        attributes=dict(row.attributes),
        content_hash=row.content_hash,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _version_from_row(row: EntityVersionRow) -> EntityVersion:
    return EntityVersion(
        entity_id=row.entity_id,
        version=row.version,
        content=dict(row.content),
        content_hash=row.content_hash,
        attributes=dict(row.attributes),
        metadata=dict(row.meta),
        created_at=row.created_at,
    )


class EntityService(Service):
    """Entities of the current tenant; another tenant's entities are simply not found."""

    def get_entity(self, entity_id: str) -> Entity:
        """The entity with ``entity_id``; EntityNotFoundError if the current tenant has none."""
        tenant_id = require_tenant("get_entity")
        with self.database.session() as session:
            row = session.scalars(
                sa.select(EntityRow).where(EntityRow.tenant_id == tenant_id, EntityRow.id == entity_id)
            ).one_or_none()
            if row is None:
                raise _not_found(entity_id, tenant_id)
            return entity_from_row(row)

    def find_entity(self, external_id: str, canonical_type: str, source: str) -> Entity | None:
        """The entity with this key in the current tenant, or None."""
        tenant_id = require_tenant("find_entity")
        query = sa.select(EntityRow).where(
            EntityRow.tenant_id == tenant_id,
            EntityRow.canonical_type == canonical_type,
            EntityRow.source == source,
            EntityRow.external_id == external_id,
        )
        with self.database.session() as session:
            row = session.scalars(query).one_or_none()
            return entity_from_row(row) if row is not None else None

    def list_entities(
        self, canonical_type: str | None = None, source: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Entity]:
        """The current tenant's entities, most recently updated first."""
        tenant_id = require_tenant("list_entities")
        return self._list(tenant_id, canonical_type, source, limit, offset)

    def list_all_entities(
        self,
        tenant_id: str | None = None,
        canonical_type: str | None = None,
        source: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Entity]:
        """ADMIN, not tenant-scoped: entities of every tenant (or of ``tenant_id``), for local tools."""
        return self._list(tenant_id, canonical_type, source, limit, offset)

    def get_versions(self, entity_id: str) -> list[EntityVersion]:
        """Every version of the entity, oldest first; EntityNotFoundError if the current tenant has none."""
        tenant_id = require_tenant("get_versions")
        with self.database.session() as session:
            owned = session.scalar(
                sa.select(EntityRow.id).where(EntityRow.tenant_id == tenant_id, EntityRow.id == entity_id)
            )
            if owned is None:
                raise _not_found(entity_id, tenant_id)
            rows = session.scalars(
                sa.select(EntityVersionRow)
                .where(EntityVersionRow.entity_id == entity_id)
                .order_by(EntityVersionRow.version)
            )
            return [_version_from_row(row) for row in rows]

    def _list(
        self, tenant_id: str | None, canonical_type: str | None, source: str | None, limit: int, offset: int
    ) -> list[Entity]:
        query = sa.select(EntityRow)
        if tenant_id is not None:
            query = query.where(EntityRow.tenant_id == tenant_id)
        if canonical_type is not None:
            query = query.where(EntityRow.canonical_type == canonical_type)
        if source is not None:
            query = query.where(EntityRow.source == source)
        query = query.order_by(EntityRow.updated_at.desc(), EntityRow.id).limit(limit).offset(offset)
        with self.database.session() as session:
            return [entity_from_row(row) for row in session.scalars(query)]


def _not_found(entity_id: str, tenant_id: str) -> EntityNotFoundError:
    return EntityNotFoundError(
        f"No entity {entity_id!r} for tenant {tenant_id!r}.",
        hint="check the id, and that the code runs in the tenant_context of the tenant that persisted it",
    )
