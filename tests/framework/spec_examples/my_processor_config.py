"""The customer config class the spec's MyBusinessProcessor takes (the spec shows its use, not its code)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class MyProcessorConfig:
    """Customer-specific settings of MyBusinessProcessor."""

    tenant_id: str = "default-tenant"
    next_stage_queue: str = "next-queue"
    enable_logging: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return asdict(self)
