"""Persisting entities: content hashing, duplicate detection and versions, safe with concurrent writers.

A new entity — the common case — costs no read: its row is inserted with ``ON CONFLICT DO NOTHING`` (SQLite and
PostgreSQL), and only when that inserts nothing is the existing row read, to tell a duplicate from a new version.
Correctness under concurrency rests on the database, not on Python locks. A second writer of the same new key
waits for the first one's transaction (PostgreSQL's unique index; SQLite's ``BEGIN IMMEDIATE`` serialises
writers), then inserts nothing and reads the winner's row, which PostgreSQL locks (``FOR UPDATE``) until the end
of the transaction, so versions are numbered one writer at a time. The unique key of ``(entity_id, version)``
rejects anything that slips through, and the write is retried in a fresh transaction.

The statements are SQLAlchemy Core, built once: on this path the ORM's unit-of-work flush cost more than the
database itself. The two INSERTs of a new entity go further, as driver SQL compiled once per dialect
(:mod:`framework.services._driver`): Core's per-call overhead cost more than SQLite's own write of the row.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from framework.entities import EntityResult, canonical_json, content_hash
from framework.errors import ExchangeError
from framework.events import EventKind, emit
from framework.ids import new_id
from framework.models import EntityRow, EntityVersionRow, utcnow
from framework.services._base import Service, ensure_tenant, insert_if_new, require_tenant
from framework.services._driver import driver_insert

_log = logging.getLogger(__name__)
#: How many fresh transactions a write gets when concurrent writers keep winning the race.
MAX_WRITE_ATTEMPTS = 8

_ENTITIES = cast(sa.Table, EntityRow.__table__)
_VERSIONS = cast(sa.Table, EntityVersionRow.__table__)
#: The entity's key: the columns of the unique constraint ``uq_entities_key``.
_KEY = ("tenant_id", "canonical_type", "source", "external_id")
_CURRENT = (
    sa.select(_ENTITIES.c.id, _ENTITIES.c.version, _ENTITIES.c.content_hash, _ENTITIES.c.attributes)
    .where(*(_ENTITIES.c[name] == sa.bindparam(name) for name in _KEY))
    .with_for_update()
)
# The bound id is named apart from the columns: in an UPDATE, a parameter named like a column sets that column.
#: The entity's row as _CURRENT reads it.
_Current = sa.Row[Any, Any, Any, Any]
_UPDATE = sa.update(_ENTITIES).where(_ENTITIES.c.id == sa.bindparam("entity_id_"))
_INSERT_VERSION = sa.insert(_VERSIONS)
#: The columns the two INSERTs write (in the order of their parameter dicts below).
_ENTITY_COLUMNS = (*_KEY, "id", "version", "content", "content_hash", "attributes", "created_at", "updated_at")
_VERSION_COLUMNS = ("entity_id", "version", "content", "content_hash", "attributes", "metadata", "created_at")


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a setattr call per field, per write
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

    def key(self) -> dict[str, str]:
        """The entity's key, as statement parameters."""
        return {
            "tenant_id": self.tenant_id,
            "canonical_type": self.canonical_type,
            "source": self.source,
            "external_id": self.external_id,
        }


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
            attributes=_normalised(custom_attributes),
            metadata=_normalised(metadata),
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
                with self.database.connection() as connection:
                    return _write_once(connection, self.database.dialect, write)
            except IntegrityError as exc:
                # Another writer took the version first (or created the entity, where there is no ON CONFLICT).
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


def _normalised(values: dict[str, Any] | None) -> dict[str, Any]:
    return json.loads(canonical_json(values)) if values else {}


def _write_once(connection: sa.Connection, dialect: str, write: _Write) -> EntityResult:
    """Insert the entity, or read it and write what changed, in the caller's transaction."""
    now = utcnow()
    entity_id = new_id()
    for _ in range(MAX_WRITE_ATTEMPTS):
        if _insert_entity(connection, dialect, write, entity_id, now):
            _insert_version(connection, entity_id, 1, write, write.attributes, now)
            return EntityResult(entity_id, 1, False, True, write.content_hash, dict(write.attributes))
        current = connection.execute(_CURRENT, write.key()).one_or_none()
        if current is not None:
            return _update(connection, write, current, now)
        # The row that was in the way is gone again (deleted meanwhile): insert once more.
    raise ExchangeError(
        f"The {write.canonical_type} {write.external_id!r} from {write.source!r} kept vanishing while persisted.",
        hint="something deletes entities while they are written; stop it and retry",
    )


def _insert_entity(connection: sa.Connection, dialect: str, write: _Write, entity_id: str, now: datetime) -> bool:
    """Insert the entity unless its key exists; True when this call created it."""
    values = {
        **write.key(),
        "id": entity_id,
        "version": 1,
        "content": write.content,
        "content_hash": write.content_hash,
        "attributes": write.attributes,
        "created_at": now,
        "updated_at": now,
    }
    statement = insert_if_new(_ENTITIES, dialect, _KEY)
    if statement is None:  # no ON CONFLICT here: read first; a racing insert fails on the key and is retried
        if connection.execute(_CURRENT, write.key()).first() is not None:
            return False
        statement = sa.insert(_ENTITIES).execution_options(preserve_rowcount=True)
        return connection.execute(statement, values).rowcount == 1
    insert = driver_insert(statement, _ENTITIES, _ENTITY_COLUMNS, 1, connection.dialect)
    return insert.execute(connection, (values,)) == 1


def _update(
    connection: sa.Connection, write: _Write, current: sa.Row[Any, Any, Any, Any], now: datetime
) -> EntityResult:
    """The entity exists: merge the attributes; a new version unless the content is a duplicate."""
    attributes = {**current.attributes, **write.attributes}
    if write.detect_duplicates and current.content_hash == write.content_hash:
        if attributes != current.attributes:
            connection.execute(_UPDATE, {"entity_id_": current.id, "attributes": attributes, "updated_at": now})
        return EntityResult(current.id, current.version, True, False, current.content_hash, attributes)
    version = current.version + 1
    connection.execute(
        _UPDATE,
        {
            "entity_id_": current.id,
            "version": version,
            "content": write.content,
            "content_hash": write.content_hash,
            "attributes": attributes,
            "updated_at": now,
        },
    )
    _insert_version(connection, current.id, version, write, attributes, now)
    return EntityResult(current.id, version, False, False, write.content_hash, attributes)


def _insert_version(
    connection: sa.Connection, entity_id: str, version: int, write: _Write, attributes: dict[str, Any], now: datetime
) -> None:
    values = {
        "entity_id": entity_id,
        "version": version,
        "content": write.content,
        "content_hash": write.content_hash,
        "attributes": attributes,
        "metadata": write.metadata,
        "created_at": now,
    }
    driver_insert(_INSERT_VERSION, _VERSIONS, _VERSION_COLUMNS, 1, connection.dialect).execute(connection, (values,))
