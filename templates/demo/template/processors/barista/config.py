"""Configuration of the barista processor; each deployment builds one from its own settings."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any


def _default_ticket_folder() -> str:
    # Relative to the app's folder, where the host runs the functions. Under .exchange/ because that folder is
    # git-ignored and not watched: a ticket written there does not restart the host.
    return os.environ.get("TICKETS_DIR", ".exchange/out/tickets")


@dataclass
class BaristaConfig:
    """What changes between customers; the processor's code does not."""

    #: The tenant whose data the processor reads and writes.
    tenant_id: str
    #: Queue that receives each made order; None ends the chain here.
    output_queue: str | None = None
    #: Canonical type of the entities the processor persists.
    canonical_type: str = "order"
    #: Source system recorded on each entity.
    source: str = "barista"
    #: Folder that receives a JSON ticket per order (FileOutputHandler).
    ticket_folder: str = field(default_factory=_default_ticket_folder)

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (for logs and get_processor_info)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BaristaConfig:
        """A configuration from plain data, as written by :meth:`to_dict`."""
        return cls(**data)
