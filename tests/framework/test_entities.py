"""Entity value types and the content hash."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from framework.entities import Entity, content_hash


def test_content_hash_ignores_key_order() -> None:
    assert content_hash({"a": 1, "b": {"x": 1, "y": 2}}) == content_hash({"b": {"y": 2, "x": 1}, "a": 1})


def test_content_hash_changes_when_a_value_changes() -> None:
    assert content_hash({"a": 1}) != content_hash({"a": 2})


def test_content_hash_is_sha256_hex_of_canonical_json_and_accepts_datetimes_and_decimals() -> None:
    digest = content_hash({"at": datetime(2026, 1, 2, tzinfo=UTC), "price": Decimal("1.50"), "name": "Zoë"})
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert digest == content_hash({"name": "Zoë", "price": Decimal("1.50"), "at": datetime(2026, 1, 2, tzinfo=UTC)})


def test_entity_round_trips_through_its_dict_form() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    entity = Entity("e1", "t1", "ORDER-1", "order", "shop", 2, {"x": 1}, {"p": "h"}, "abc", now, now)
    assert Entity.from_dict(entity.to_dict()) == entity
    assert entity.to_dict()["created_at"] == "2026-11-29T12:00:00+00:00"
