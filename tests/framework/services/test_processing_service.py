"""ProcessingService: duplicate detection, versions, attributes, events, and the tenant requirement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from framework import events
from framework.context import tenant_context
from framework.entities import EntityResult
from framework.errors import ExchangeError, TenantRequiredError
from framework.services import EntityService, ProcessingService

pytestmark = pytest.mark.database

ORDER = {"id": "ORDER-1", "total": 12.5, "lines": [{"sku": "A", "qty": 2}], "customer": {"name": "Zoë"}}


@dataclass
class Config:
    enable_duplicate_detection: bool


def persist(service: ProcessingService, content: dict[str, Any], **kwargs: Any) -> EntityResult:
    return service.process_entity("ORDER-1", "order", "shopify", content, **kwargs)


def test_first_persist_creates_version_1(processing_service: ProcessingService, test_tenant: dict[str, str]) -> None:
    with tenant_context(test_tenant["id"]):
        result = persist(processing_service, ORDER)
    assert (result.version, result.is_new, result.is_duplicate) == (1, True, False)
    assert len(result.entity_id) == 32


def test_same_content_again_is_a_duplicate_without_a_new_version(
    processing_service: ProcessingService, entity_service: EntityService, test_tenant: dict[str, str]
) -> None:
    with tenant_context(test_tenant["id"]):
        first = persist(processing_service, ORDER)
        again = persist(processing_service, dict(reversed(list(ORDER.items()))))  # other key order, same content
        versions = entity_service.get_versions(first.entity_id)
    assert (again.entity_id, again.version, again.is_new, again.is_duplicate) == (first.entity_id, 1, False, True)
    assert [v.version for v in versions] == [1]


def test_changed_content_makes_version_2_and_becomes_the_current_content(
    processing_service: ProcessingService, entity_service: EntityService, test_tenant: dict[str, str]
) -> None:
    changed = {**ORDER, "total": 99.0}
    with tenant_context(test_tenant["id"]):
        first = persist(processing_service, ORDER)
        second = persist(processing_service, changed, metadata={"processor": "p1"})
        entity = entity_service.get_entity(first.entity_id)
        versions = entity_service.get_versions(first.entity_id)
    assert (second.entity_id, second.version, second.is_duplicate) == (first.entity_id, 2, False)
    assert (entity.version, entity.content, entity.content_hash) == (2, changed, second.content_hash)
    assert [(v.version, v.content) for v in versions] == [(1, ORDER), (2, changed)]
    assert versions[1].metadata == {"processor": "p1"}


def test_content_is_read_back_exactly_as_hashed(
    processing_service: ProcessingService, entity_service: EntityService, test_tenant: dict[str, str]
) -> None:
    content = {**ORDER, "placed_at": datetime(2026, 11, 29, 9, 30, tzinfo=UTC)}
    with tenant_context(test_tenant["id"]):
        result = persist(processing_service, content)
        entity = entity_service.get_entity(result.entity_id)
    assert entity.content == {**ORDER, "placed_at": "2026-11-29 09:30:00+00:00"}
    assert (entity.external_id, entity.canonical_type, entity.source) == ("ORDER-1", "order", "shopify")
    assert entity.tenant_id == test_tenant["id"] and entity.created_at.tzinfo is not None


def test_a_duplicate_still_merges_new_attributes(
    processing_service: ProcessingService, entity_service: EntityService, test_tenant: dict[str, str]
) -> None:
    with tenant_context(test_tenant["id"]):
        first = persist(processing_service, ORDER, custom_attributes={"priority": "low", "region": "eu"})
        again = persist(processing_service, ORDER, custom_attributes={"priority": "high"})
        entity = entity_service.get_entity(first.entity_id)
    assert again.is_duplicate and entity.version == 1
    assert entity.attributes == {"priority": "high", "region": "eu"}


def test_with_duplicate_detection_off_every_call_makes_a_version(
    processing_service: ProcessingService, test_tenant: dict[str, str]
) -> None:
    config = Config(enable_duplicate_detection=False)
    with tenant_context(test_tenant["id"]):
        results = [persist(processing_service, ORDER, config=config) for _ in range(3)]
    assert [(r.version, r.is_duplicate) for r in results] == [(1, False), (2, False), (3, False)]


def test_events_are_emitted_once_the_entity_is_committed(
    processing_service: ProcessingService, entity_service: EntityService, test_tenant: dict[str, str]
) -> None:
    seen_versions: list[int] = []

    def read_back(event: events.Event) -> None:
        # A separate connection sees the entity: the event came after the commit.
        seen_versions.append(entity_service.get_entity(event.data["entity_id"]).version)

    events.add_sink(read_back)
    try:
        with events.capture() as captured, tenant_context(test_tenant["id"]):
            persist(processing_service, ORDER)
            persist(processing_service, ORDER)
    finally:
        events.remove_sink(read_back)
    assert [e.kind for e in captured] == ["entity.persisted", "entity.duplicate"]
    assert captured[0].data | {"entity_id": "-", "content_hash": "-"} == {
        "entity_id": "-",
        "external_id": "ORDER-1",
        "canonical_type": "order",
        "source": "shopify",
        "version": 1,
        "is_new": True,
        "content_hash": "-",
    }
    assert captured[0].tenant_id == test_tenant["id"] and seen_versions == [1, 1]


def test_persisting_without_a_tenant_says_to_use_tenant_context(processing_service: ProcessingService) -> None:
    with pytest.raises(TenantRequiredError, match=r"persist_entity needs a tenant: wrap the call in tenant_context"):
        persist(processing_service, ORDER)
    assert issubclass(TenantRequiredError, ExchangeError)


def test_a_service_without_a_database_uses_database_url(database_env: str, test_tenant: dict[str, str]) -> None:
    with tenant_context(test_tenant["id"]):
        result = persist(ProcessingService(), ORDER)
        assert EntityService().get_entity(result.entity_id).version == 1
