"""Random ids: the hex form of a version-4 UUID, made without building a ``uuid.UUID``.

Why: the handler makes three ids per message (message, correlation, entity) and ``uuid.uuid4().hex`` costs about
three times this (the UUID object's checks and properties). The result is the same: 32 hex digits, version 4,
RFC 4122 variant, from ``os.urandom``.
"""

from __future__ import annotations

import os

_VERSION_MASK = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_BITS = (0x4000 << 64) | (0x8000 << 48)


def new_id() -> str:
    """A new random id, as ``uuid.uuid4().hex`` would give it."""
    return f"{int.from_bytes(os.urandom(16), 'big') & _VERSION_MASK | _VERSION_BITS:032x}"
