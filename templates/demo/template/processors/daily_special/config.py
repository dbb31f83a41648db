"""Configuration of the daily_special processor; each deployment builds one from its own settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class DailySpecialConfig:
    """What changes between customers; the processor's code does not."""

    #: The tenant whose data the processor reads and writes.
    tenant_id: str
    #: Queue that receives the special order (the shop's order queue).
    output_queue: str | None = None
    #: The specials, served in turn.
    specials: list[str] = field(default_factory=lambda: ["flat white", "mocha", "cold brew", "cappuccino"])

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (for logs and get_processor_info)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DailySpecialConfig:
        """A configuration from plain data, as written by :meth:`to_dict`."""
        return cls(**data)
