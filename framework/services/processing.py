"""Persisting entities: content hashing, duplicate detection and versions, safe with concurrent writers.

Correctness under concurrency rests on the database, not on Python locks: the unique key of ``entities`` and of
``(entity_id, version)`` reject a second writer that read the same state, and the write is then retried in a
fresh transaction that sees the winner's row. PostgreSQL additionally locks the entity row (``FOR UPDATE``) and
SQLite serialises writers (``BEGIN IMMEDIATE``), so retries are rare.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from framework.entities import EntityResult, canonical_json, content_hash
from framework.errors import ExchangeError
from framework.events import EventKind, emit
from framework.models import EntityRow, EntityVersionRow, utcnow
from framework.services._base import Service, ensure_tenant, require_tenant

_log = logging.getLogger(__name__)
#: How many fresh transactions a write gets when concurrent writers keep winning the race.
MAX_WRITE_ATTEMPTS = 8


@dataclass(frozen=True)
class _Write:
    """One call to process_entity, normalised."""

    tenant_id: str
    external_id: str
    canonical_type: str
    source: str
    content: dict[str, Any]
    content_hash: str
    attributes: dict[str, Any]
    metadata: dict[str, Any]
    detect_duplicates: bool


class ProcessingService(Service):
    """Creates entities and their versions; duplicate content makes no new version."""

    def process_entity(
        self,
        external_id: str,
        canonical_type: str,
        source: str,
        content: dict[str, Any],
        config: Any = None,
        custom_attributes: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> EntityResult:
        """Persist ``content`` as the entity ``(canonical_type, source, external_id)`` of the current tenant.

        Same content as the current version: a duplicate, no new version (attributes are still merged). Changed
        content, or ``config.enable_duplicate_detection`` False: a new version. Emits ``entity.persisted`` or
        ``entity.duplicate`` once committed.
        """
        tenant_id = require_tenant("persist_entity")
        # Stored content is the canonical JSON parsed back, so what is read is exactly what was hashed.
        normalised = json.loads(canonical_json(content))
        write = _Write(
            tenant_id=tenant_id,
            external_id=str(external_id),
            canonical_type=canonical_type,
            source=source,
            content=normalised,
            content_hash=content_hash(normalised),
            attributes=json.loads(canonical_json(custom_attributes or {})),
            metadata=json.loads(canonical_json(metadata or {})),
            detect_duplicates=bool(getattr(config, "enable_duplicate_detection", True)),
        )
        ensure_tenant(self.database, tenant_id)
        result = self._write_with_retries(write)
        kind: EventKind = "entity.duplicate" if result.is_duplicate else "entity.persisted"
        emit(
            kind,
            entity_id=result.entity_id,
            external_id=write.external_id,
            canonical_type=canonical_type,
            source=source,
            version=result.version,
            is_new=result.is_new,
            content_hash=result.content_hash,
        )
        return result

    def _write_with_retries(self, write: _Write) -> EntityResult:
        for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
            try:
                with self.database.session() as session:
                    return _write_once(session, write)
            except IntegrityError as exc:
                # Another writer created the entity or took the version first: read again and redo.
                _log.debug(
                    "write conflict on %s %r (attempt %d), retrying", write.canonical_type, write.external_id, attempt
                )
                if attempt == MAX_WRITE_ATTEMPTS:
                    raise ExchangeError(
                        f"Could not persist {write.canonical_type} {write.external_id!r} from {write.source!r} "
                        f"after {attempt} attempts: {exc.orig}",
                        hint="too many concurrent writers on one entity, or a broken schema",
                    ) from exc
        raise AssertionError("unreachable")


def _write_once(session: Session, write: _Write) -> EntityResult:
    """Read the entity and write what changed, in the caller's transaction."""
    row = session.scalars(
        sa.select(EntityRow)
        .where(
            EntityRow.tenant_id == write.tenant_id,
            EntityRow.canonical_type == write.canonical_type,
            EntityRow.source == write.source,
            EntityRow.external_id == write.external_id,
        )
        .with_for_update()
    ).one_or_none()
    if row is None:
        return _create(session, write)
    attributes = {**row.attributes, **write.attributes}
    if write.detect_duplicates and row.content_hash == write.content_hash:
        if attributes != row.attributes:
            row.attributes = attributes
            row.updated_at = utcnow()
        return EntityResult(row.id, row.version, True, False, row.content_hash, attributes)
    row.version += 1
    row.content = write.content
    row.content_hash = write.content_hash
    row.attributes = attributes
    row.updated_at = utcnow()
    session.add(_version(row, write))
    session.flush()
    return EntityResult(row.id, row.version, False, False, row.content_hash, attributes)


def _create(session: Session, write: _Write) -> EntityResult:
    now = utcnow()
    row = EntityRow(
        id=uuid.uuid4().hex,
        tenant_id=write.tenant_id,
        external_id=write.external_id,
        canonical_type=write.canonical_type,
        source=write.source,
        version=1,
        content=write.content,
        content_hash=write.content_hash,
        attributes=write.attributes,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()  # the entity row first: the version row refers to it
    session.add(_version(row, write))
    session.flush()
    return EntityResult(row.id, 1, False, True, row.content_hash, dict(write.attributes))


def _version(row: EntityRow, write: _Write) -> EntityVersionRow:
    return EntityVersionRow(
        entity_id=row.id,
        version=row.version,
        content=write.content,
        content_hash=write.content_hash,
        attributes=dict(row.attributes),
        meta=write.metadata,
        created_at=row.updated_at,
    )
