"""Entities as user code sees them: frozen values, not database rows.

An entity is identified by ``(tenant, canonical_type, source, external_id)``; its content is versioned, and a
content hash (sha256 of canonical JSON) tells a true change from a duplicate delivery.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from framework.states import ProcessingState

__all__ = ["Entity", "EntityResult", "EntityVersion", "ProcessingState", "content_hash"]


def canonical_json(content: Any) -> str:
    """The one JSON text of ``content``: sorted keys, compact, UTF-8 kept, datetimes and decimals as str."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_hash(content: dict[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of ``content``; key order does not matter."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _iso(value: datetime) -> str:
    return value.isoformat()


@dataclass(frozen=True)
class Entity:
    """An entity's current state."""

    #: The entity's id (a uuid, hex).
    id: str
    #: The tenant it belongs to.
    tenant_id: str
    #: Its id in the source system.
    external_id: str
    #: What kind of thing it is ("order", "customer", ...).
    canonical_type: str
    #: The system it came from.
    source: str
    #: The current version, from 1.
    version: int
    #: The current content.
    content: dict[str, Any]
    #: Metadata about the entity (merged across calls; not part of the content hash).
    attributes: dict[str, Any]
    #: sha256 of the canonical JSON of ``content``.
    content_hash: str
    #: When it was first persisted (UTC).
    created_at: datetime
    #: When its content or attributes last changed (UTC).
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "external_id": self.external_id,
            "canonical_type": self.canonical_type,
            "source": self.source,
            "version": self.version,
            "content": self.content,
            "attributes": self.attributes,
            "content_hash": self.content_hash,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entity:
        """The inverse of :meth:`to_dict`."""
        values = dict(data)
        for key in ("created_at", "updated_at"):
            values[key] = datetime.fromisoformat(values[key])
        return cls(**values)


@dataclass(frozen=True)
class EntityVersion:
    """One version of an entity's content."""

    #: The entity it belongs to.
    entity_id: str
    #: Its number, from 1, without gaps.
    version: int
    #: The content at this version.
    content: dict[str, Any]
    #: sha256 of the canonical JSON of ``content``.
    content_hash: str
    #: The entity's attributes when this version was written.
    attributes: dict[str, Any]
    #: Metadata passed by the caller that wrote it (processor, message id, ...).
    metadata: dict[str, Any]
    #: When it was written (UTC).
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "entity_id": self.entity_id,
            "version": self.version,
            "content": self.content,
            "content_hash": self.content_hash,
            "attributes": self.attributes,
            "metadata": self.metadata,
            "created_at": _iso(self.created_at),
        }


@dataclass(frozen=True)
class EntityResult:
    """What :meth:`ProcessingService.process_entity` did."""

    #: The entity's id.
    entity_id: str
    #: Its version after the call.
    version: int
    #: True when the content was already the current version's: no new version was written.
    is_duplicate: bool
    #: True when this call created the entity.
    is_new: bool
    #: sha256 of the canonical JSON of the content passed.
    content_hash: str
    #: Attributes after the call.
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "entity_id": self.entity_id,
            "version": self.version,
            "is_duplicate": self.is_duplicate,
            "is_new": self.is_new,
            "content_hash": self.content_hash,
            "attributes": self.attributes,
        }
