"""An output handler that delivers nothing: for terminal stages and for tests."""

from __future__ import annotations

from typing import Any

from framework.message import Message
from framework.outputs.base import OutputHandler


class NoOpOutputHandler(OutputHandler):
    """Accepts every message and sends it nowhere."""

    kind = "noop"

    def __init__(self, destination: str = "none", config: dict[str, Any] | None = None) -> None:
        super().__init__(destination, config)

    def deliver(self, messages: list[Message]) -> list[str]:
        """Deliver nothing; returns the message ids."""
        return [m.message_id for m in messages]
