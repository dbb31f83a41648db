"""The framework's tables (SQLAlchemy 2 declarative models).

These are rows, not the values user code sees: services turn them into the frozen value types of
:mod:`framework.entities` and :mod:`framework.states`. Every table carries ``tenant_id`` and every tenant-scoped
query filters on it first, so the indexes lead with it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: JSON on SQLite, JSONB on PostgreSQL.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
#: A 64-bit auto-increment key on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one (UTC)")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The framework's declarative base; its ``metadata`` holds every table."""

    type_annotation_map = {dict[str, Any]: JSONType, datetime: UTCDateTime}


class TenantRow(Base):
    """A tenant, created on first use."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntityRow(Base):
    """The current state of an entity: its latest content and version."""

    __tablename__ = "entities"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "canonical_type", "source", "external_id", name="uq_entities_key"),
        sa.Index("ix_entities_tenant_updated", "tenant_id", "updated_at"),
        sa.Index("ix_entities_type_source", "canonical_type", "source"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.ForeignKey("tenants.id"))
    external_id: Mapped[str] = mapped_column(sa.String(255))
    canonical_type: Mapped[str] = mapped_column(sa.String(128))
    source: Mapped[str] = mapped_column(sa.String(128))
    version: Mapped[int]
    content: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    attributes: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntityVersionRow(Base):
    """One version of an entity's content, kept for history."""

    __tablename__ = "entity_versions"
    __table_args__ = (sa.UniqueConstraint("entity_id", "version", name="uq_entity_versions_version"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    entity_id: Mapped[str] = mapped_column(sa.ForeignKey("entities.id", ondelete="CASCADE"))
    version: Mapped[int]
    content: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    attributes: Mapped[dict[str, Any]]
    # "metadata" is reserved on declarative classes, so the attribute has another name than the column.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StateTransitionRow(Base):
    """A message (or entity) moved from one processing state to another."""

    __tablename__ = "state_transitions"
    __table_args__ = (
        sa.Index("ix_state_transitions_message", "tenant_id", "message_id"),
        sa.Index("ix_state_transitions_entity", "tenant_id", "entity_id"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(sa.ForeignKey("tenants.id"))
    # No foreign key on entity_id in the audit tables: a message may refer to an entity of another stage's
    # database, and an audit row must never be rejected for it.
    entity_id: Mapped[str | None] = mapped_column(sa.String(128))
    message_id: Mapped[str] = mapped_column(sa.String(128))
    correlation_id: Mapped[str | None] = mapped_column(sa.String(128))
    processor: Mapped[str] = mapped_column(sa.String(255))
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str] = mapped_column(sa.String(32))
    details: Mapped[dict[str, Any]]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessingErrorRow(Base):
    """An error met while processing a message, with what is needed to decide on a retry."""

    __tablename__ = "processing_errors"
    __table_args__ = (
        sa.Index("ix_processing_errors_message", "tenant_id", "message_id"),
        sa.Index("ix_processing_errors_entity", "tenant_id", "entity_id"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(sa.ForeignKey("tenants.id"))
    message_id: Mapped[str] = mapped_column(sa.String(128))
    entity_id: Mapped[str | None] = mapped_column(sa.String(128))  # no foreign key: see StateTransitionRow
    processor: Mapped[str] = mapped_column(sa.String(255))
    error_type: Mapped[str] = mapped_column(sa.String(255))
    error_code: Mapped[str | None] = mapped_column(sa.String(128))
    error_message: Mapped[str] = mapped_column(sa.Text)
    retryable: Mapped[bool] = mapped_column(default=False)
    attempt: Mapped[int] = mapped_column(default=1)
    details: Mapped[dict[str, Any]]
    at: Mapped[datetime] = mapped_column(default=utcnow)
