"""The message that travels between processors, and its versioned JSON wire format.

On a queue a message is an *envelope*: a JSON object with ``"envelope_version": 1`` and the fields of
:class:`Message`. A bare JSON object from an external system (no ``envelope_version``) is accepted too and becomes
the payload of a new QUEUE message, so a processor can read what a partner posts without any wrapping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from framework.context import current_correlation_id, current_tenant_id
from framework.errors import MessageFormatError
from framework.ids import new_id

#: The envelope versions this code reads; it writes the last one.
ENVELOPE_VERSIONS = (1,)
ENVELOPE_VERSION = ENVELOPE_VERSIONS[-1]


class MessageType(StrEnum):
    """What started the processing: an entity to work on, a timer, a queue message or an HTTP request."""

    ENTITY = "entity"
    TIMER = "timer"
    QUEUE = "queue"
    HTTP = "http"


@dataclass
class EntityReference:
    """A pointer to an entity stored by the framework (fields may be None for an entity not yet stored)."""

    #: The entity's id in the database.
    entity_id: str | None = None
    #: The id the source system knows it by.
    external_id: str | None = None
    #: The entity's type in the canonical model ("order", ...).
    canonical_type: str | None = None
    #: The system it came from.
    source: str | None = None
    #: The entity version the message refers to.
    version: int | None = None
    #: The tenant the entity belongs to.
    tenant_id: str | None = None

    @classmethod
    def from_entity(cls, entity: Any) -> EntityReference:
        """A reference to a stored ``Entity`` (read by attribute, so any entity-like object works)."""
        return cls(
            entity_id=str(entity.id),
            external_id=entity.external_id,
            canonical_type=entity.canonical_type,
            source=entity.source,
            version=entity.version,
            tenant_id=entity.tenant_id,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EntityReference:
        """Read the JSON form; unknown keys are ignored so newer writers stay readable."""
        return cls(**{key: data.get(key) for key in cls.__dataclass_fields__})


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Message:
    """One unit of work for a processor."""

    #: The data being processed (always a JSON object).
    payload: dict[str, Any] = field(default_factory=dict)
    #: What kind of trigger produced it.
    message_type: MessageType = MessageType.QUEUE
    #: The entity it is about, if any.
    entity_reference: EntityReference | None = None
    #: Processing context and routing hints ("operation", "stage", ...).
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Unique id of this message.
    message_id: str = field(default_factory=new_id)
    #: Ties together every message and operation of one flow; inherited from the context in force.
    correlation_id: str = field(default_factory=lambda: current_correlation_id() or new_id())
    #: The tenant it belongs to; inherited from the tenant context in force.
    tenant_id: str | None = field(default_factory=current_tenant_id)
    #: When it was created (UTC).
    created_at: datetime = field(default_factory=_now)
    #: How many times processing it has been retried.
    retry_count: int = 0
    #: Where to send it (``{"queue": "name"}``), for results that route each message on its own.
    routing: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.payload, dict):
            raise MessageFormatError(
                f"Message payload must be a JSON object, got {type(self.payload).__name__}.",
                hint='wrap it: payload={"items": [...]}',
            )
        self.message_type = MessageType(self.message_type)

    def to_dict(self) -> dict[str, Any]:
        """The envelope (JSON form)."""
        return {
            "envelope_version": ENVELOPE_VERSION,
            "message_id": self.message_id,
            "correlation_id": self.correlation_id,
            "message_type": self.message_type.value,
            "entity_reference": self.entity_reference.to_dict() if self.entity_reference else None,
            "payload": self.payload,
            "metadata": self.metadata,
            "tenant_id": self.tenant_id,
            "created_at": self.created_at.isoformat(),
            "retry_count": self.retry_count,
            "routing": self.routing,
        }

    def to_json(self) -> str:
        """The envelope as compact JSON text (values JSON cannot hold are written with ``str``)."""
        return json.dumps(self.to_dict(), separators=(",", ":"), default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        """Read an envelope; raises :class:`MessageFormatError` on an unknown version or a malformed field."""
        version = data.get("envelope_version")
        if version not in ENVELOPE_VERSIONS:
            raise MessageFormatError(
                f"Unknown message envelope_version {version!r}; this framework reads {list(ENVELOPE_VERSIONS)}.",
                hint="upgrade exchange on the receiving side, or send a bare JSON object",
            )
        try:
            ref = data.get("entity_reference")
            return cls(
                payload=data.get("payload") or {},
                message_type=MessageType(data.get("message_type", MessageType.QUEUE)),
                entity_reference=EntityReference.from_dict(ref) if ref else None,
                metadata=dict(data.get("metadata") or {}),
                message_id=str(data.get("message_id") or new_id()),
                correlation_id=str(data.get("correlation_id") or new_id()),
                tenant_id=data.get("tenant_id"),
                created_at=datetime.fromisoformat(data["created_at"]) if data.get("created_at") else _now(),
                retry_count=int(data.get("retry_count") or 0),
                routing=data.get("routing"),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise MessageFormatError(f"Malformed message envelope: {exc}", hint="check the sender") from exc

    @classmethod
    def create_from_queue_data(cls, data: dict[str, Any] | str | bytes) -> Message:
        """A message from what a queue trigger received: an envelope, or a bare JSON object (the payload)."""
        if isinstance(data, bytes | bytearray):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MessageFormatError("Queue message is not UTF-8 text.", hint="send JSON text") from exc
        if isinstance(data, str):
            text = data
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                snippet = text[:60]
                raise MessageFormatError(f"Queue message is not JSON: {snippet!r}", hint="send a JSON object") from exc
        if not isinstance(data, dict):
            raise MessageFormatError(
                f"Queue message must be a JSON object, got {type(data).__name__}.",
                hint='wrap lists and scalars in an object, e.g. {"items": [...]}',
            )
        if "envelope_version" in data:
            return cls.from_dict(data)
        return cls(payload=data, message_type=MessageType.QUEUE)

    @classmethod
    def create_entity_message(
        cls,
        entity: Any = None,
        payload: dict[str, Any] | None = None,
        *,
        external_id: str | None = None,
        canonical_type: str | None = None,
        source: str | None = None,
        tenant_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        """An ENTITY message about a stored ``entity``, or about one described by external id, type and source."""
        if entity is not None:
            ref = EntityReference.from_entity(entity)
        else:
            tenant = tenant_id or current_tenant_id()
            ref = EntityReference(
                external_id=external_id, canonical_type=canonical_type, source=source, tenant_id=tenant
            )
        message = cls(payload=dict(payload or {}), message_type=MessageType.ENTITY, entity_reference=ref)
        message.metadata.update(metadata or {})
        message.tenant_id = tenant_id or ref.tenant_id or message.tenant_id
        return message

    @classmethod
    def create_timer_message(cls, payload: dict[str, Any] | None = None, **metadata: Any) -> Message:
        """A TIMER message; ``metadata`` says about the tick (``past_due``, schedule, ...)."""
        return cls(payload=dict(payload or {}), message_type=MessageType.TIMER, metadata=metadata)

    @classmethod
    def create_http_message(cls, payload: dict[str, Any] | None = None, **metadata: Any) -> Message:
        """An HTTP message; ``metadata`` says about the request (method, url, params, ...)."""
        return cls(payload=dict(payload or {}), message_type=MessageType.HTTP, metadata=metadata)

    @classmethod
    def create_queue_message(cls, payload: dict[str, Any] | None = None, *, queue: str | None = None) -> Message:
        """A QUEUE message, routed to ``queue`` when given."""
        return cls(payload=dict(payload or {}), routing={"queue": queue} if queue else None)
