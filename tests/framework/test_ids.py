"""framework.ids.new_id: the same ids as uuid.uuid4().hex, made faster."""

from __future__ import annotations

import uuid

from framework.ids import new_id


def test_new_ids_are_version_4_rfc_4122_uuids_in_hex() -> None:
    for _ in range(500):
        value = new_id()
        parsed = uuid.UUID(value)
        assert (parsed.hex, parsed.version, parsed.variant) == (value, 4, uuid.RFC_4122)


def test_new_ids_do_not_repeat() -> None:
    assert len({new_id() for _ in range(10_000)}) == 10_000
