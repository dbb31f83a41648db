"""EntityService: reads scoped to the current tenant, and the admin listing across tenants."""

from __future__ import annotations

import pytest

from framework.context import tenant_context
from framework.errors import EntityNotFoundError, TenantRequiredError
from framework.services import EntityService, ProcessingService

pytestmark = pytest.mark.database


@pytest.fixture
def tenant_a_order(processing_service: ProcessingService) -> str:
    with tenant_context("tenant-a"):
        return processing_service.process_entity("ORDER-1", "order", "shop", {"total": 1}).entity_id


def test_find_entity_by_its_key(tenant_a_order: str, entity_service: EntityService) -> None:
    with tenant_context("tenant-a"):
        found = entity_service.find_entity("ORDER-1", "order", "shop")
        missing = entity_service.find_entity("ORDER-2", "order", "shop")
    assert found is not None and found.id == tenant_a_order and missing is None


def test_another_tenant_cannot_get_find_or_list_the_entity(tenant_a_order: str, entity_service: EntityService) -> None:
    with tenant_context("tenant-b"):
        with pytest.raises(EntityNotFoundError, match=tenant_a_order):
            entity_service.get_entity(tenant_a_order)
        with pytest.raises(EntityNotFoundError):
            entity_service.get_versions(tenant_a_order)
        assert entity_service.find_entity("ORDER-1", "order", "shop") is None
        assert entity_service.list_entities() == []


def test_the_same_key_in_two_tenants_is_two_entities(
    tenant_a_order: str, processing_service: ProcessingService, entity_service: EntityService
) -> None:
    with tenant_context("tenant-b"):
        result = processing_service.process_entity("ORDER-1", "order", "shop", {"total": 1})
    assert result.is_new and result.entity_id != tenant_a_order


def test_an_unknown_id_is_not_found(entity_service: EntityService, test_tenant: dict[str, str]) -> None:
    with tenant_context(test_tenant["id"]), pytest.raises(EntityNotFoundError, match="no-such-id"):
        entity_service.get_entity("no-such-id")


def test_list_entities_filters_by_type_and_source_and_pages(
    processing_service: ProcessingService, entity_service: EntityService, test_tenant: dict[str, str]
) -> None:
    with tenant_context(test_tenant["id"]):
        for n in range(3):
            processing_service.process_entity(f"O-{n}", "order", "shop", {"n": n})
        processing_service.process_entity("C-1", "customer", "shop", {"n": 1})
        processing_service.process_entity("O-9", "order", "erp", {"n": 9})
        orders = entity_service.list_entities(canonical_type="order", source="shop")
        page = entity_service.list_entities(limit=2, offset=1)
        everything = entity_service.list_entities()
    assert sorted(e.external_id for e in orders) == ["O-0", "O-1", "O-2"]
    assert len(page) == 2 and len(everything) == 5
    assert [e.id for e in page] == [e.id for e in everything[1:3]]


def test_list_all_entities_sees_every_tenant_without_a_tenant_context(
    tenant_a_order: str, processing_service: ProcessingService, entity_service: EntityService
) -> None:
    with tenant_context("tenant-b"):
        processing_service.process_entity("C-1", "customer", "crm", {"n": 1})
    assert {e.tenant_id for e in entity_service.list_all_entities()} == {"tenant-a", "tenant-b"}
    assert [e.id for e in entity_service.list_all_entities(tenant_id="tenant-a")] == [tenant_a_order]
    assert [e.tenant_id for e in entity_service.list_all_entities(canonical_type="customer")] == ["tenant-b"]


def test_tenant_scoped_reads_need_a_tenant(entity_service: EntityService) -> None:
    with pytest.raises(TenantRequiredError, match="list_entities needs a tenant"):
        entity_service.list_entities()
