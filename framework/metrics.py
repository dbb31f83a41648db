"""An in-process metrics registry: per-operation counts, failures and durations.

Each :class:`framework.runtime.Runtime` owns one :class:`MetricsRegistry`; ``registry`` reads and writes the one of
the runtime in force. Tests and tools read it with ``registry.snapshot()``; nothing is exported anywhere.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class OperationStats:
    """What has been measured of one operation."""

    #: Calls finished (successes and failures).
    count: int = 0
    #: Calls that raised.
    failures: int = 0
    #: Sum of durations, in milliseconds.
    total_ms: float = 0.0
    #: Longest duration, in milliseconds.
    max_ms: float = 0.0

    @property
    def mean_ms(self) -> float:
        """Mean duration in milliseconds (0 before any call)."""
        return self.total_ms / self.count if self.count else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "count": self.count,
            "failures": self.failures,
            "successes": self.count - self.failures,
            "total_ms": self.total_ms,
            "mean_ms": self.mean_ms,
            "max_ms": self.max_ms,
        }


class MetricsRegistry:
    """Counts and durations by operation name."""

    def __init__(self) -> None:
        self._stats: dict[str, OperationStats] = {}
        self._lock = threading.Lock()

    def record(self, name: str, duration_ms: float, ok: bool) -> None:
        """Add one finished call of ``name``."""
        with self._lock:
            stats = self._stats.setdefault(name, OperationStats())
            stats.count += 1
            stats.failures += 0 if ok else 1
            stats.total_ms += duration_ms
            stats.max_ms = max(stats.max_ms, duration_ms)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every operation's figures, as plain dicts (a copy)."""
        with self._lock:
            return {name: stats.to_dict() for name, stats in self._stats.items()}

    def reset(self) -> None:
        """Forget everything (tests call this)."""
        with self._lock:
            self._stats.clear()


class _CurrentRegistry:
    """The metrics of the runtime in force (:func:`framework.context.current_runtime`): holds no state itself."""

    def record(self, name: str, duration_ms: float, ok: bool) -> None:
        """Add one finished call of ``name``."""
        _current().record(name, duration_ms, ok)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every operation's figures, as plain dicts (a copy)."""
        return _current().snapshot()

    def reset(self) -> None:
        """Forget everything (tests call this)."""
        _current().reset()


def _current() -> MetricsRegistry:
    from framework.context import current_runtime

    return current_runtime().metrics


#: What ``@operation`` and the handler record into: the current runtime's registry.
registry = _CurrentRegistry()
