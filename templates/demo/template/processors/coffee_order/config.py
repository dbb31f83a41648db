"""Configuration of the coffee_order processor; each deployment builds one from its own settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Drinks the shop makes and their price for a medium cup. Add one, save, and the host reloads.
MENU: dict[str, float] = {
    "espresso": 2.50,
    "latte": 3.80,
    "cappuccino": 3.60,
    "flat white": 3.70,
    "mocha": 4.10,
    "cold brew": 4.00,
}
#: Cup sizes and what they do to the price.
SIZES: dict[str, float] = {"small": 0.9, "medium": 1.0, "large": 1.25}


@dataclass
class CoffeeOrderConfig:
    """What changes between customers; the processor's code does not."""

    #: The tenant whose data the processor reads and writes.
    tenant_id: str
    #: Queue that receives each checked order (the barista's); None ends the chain here.
    output_queue: str | None = None
    #: Drink -> price of a medium cup.
    menu: dict[str, float] = field(default_factory=lambda: dict(MENU))
    #: Size -> price factor.
    sizes: dict[str, float] = field(default_factory=lambda: dict(SIZES))

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (for logs and get_processor_info)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CoffeeOrderConfig:
        """A configuration from plain data, as written by :meth:`to_dict`."""
        return cls(**data)
