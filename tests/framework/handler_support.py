"""Small processors and helpers shared by the handler tests."""

from __future__ import annotations

import itertools
import time
from typing import Any

from framework import Message, ProcessingResult, ProcessorContext, ProcessorInterface


class Flaky(ProcessorInterface):
    """Raises ``error`` for the first ``failures`` calls, then persists an entity; records when it was called."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or ConnectionError("database went away")
        self.calls: list[float] = []

    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        self.calls.append(time.monotonic())
        if len(self.calls) <= self.failures:
            raise self.error
        entity_id = context.persist_entity(message.payload["id"], "order", "test", message.payload)
        return ProcessingResult.create_success(entities_created=[entity_id])


class Returns(ProcessorInterface):
    """Returns whatever ``make()`` builds, counting calls (v1 signature)."""

    def __init__(self, make: Any, valid: bool = True) -> None:
        self.make = make
        self.valid = valid
        self.calls = 0

    def validate_message(self, message: Message) -> bool:
        return self.valid

    def process(self, message: Message) -> ProcessingResult:  # type: ignore[override]
        self.calls += 1
        return self.make()  # type: ignore[no-any-return]


def gaps(times: list[float]) -> list[float]:
    """Seconds between consecutive times."""
    return [b - a for a, b in itertools.pairwise(times)]
