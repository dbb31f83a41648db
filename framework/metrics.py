"""Metrics: per-operation counts, failures and durations, of the runtime in force.

Each :class:`framework.runtime.Runtime` owns one :class:`MetricsRegistry`; ``registry`` here reads and writes the
one of the runtime in force and holds no state itself. Tests and tools read it with ``registry.snapshot()``;
nothing is exported anywhere.
"""

from __future__ import annotations

from typing import Any

from framework.context import current_runtime
from framework.runtime import MetricsRegistry, OperationStats

__all__ = ["MetricsRegistry", "OperationStats", "registry"]


class _CurrentRegistry:
    """The metrics of the runtime in force (:func:`framework.context.current_runtime`)."""

    def record(self, name: str, duration_ms: float, ok: bool) -> None:
        """Add one finished call of ``name``."""
        current_runtime().metrics.record(name, duration_ms, ok)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every operation's figures, as plain dicts (a copy)."""
        return current_runtime().metrics.snapshot()

    def reset(self) -> None:
        """Forget everything (tests call this)."""
        current_runtime().metrics.reset()


#: What ``@operation`` and the handler record into: the current runtime's registry.
registry = _CurrentRegistry()
