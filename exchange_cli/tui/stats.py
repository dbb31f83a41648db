"""Running figures per function and per routing edge, updated entry by entry."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from exchange_cli.tui.catalog import FunctionSpec

#: The window over which edge rates are computed.
RATE_WINDOW_S = 60.0


@dataclass
class FunctionStats:
    """What one function has done, as far as the journal tells."""

    name: str
    spec: FunctionSpec | None = None
    invocations: int = 0
    failures: int = 0
    #: Started and not yet ended.
    running: int = 0
    total_ms: float = 0.0
    last_status: str = ""
    last_error: str = ""

    @property
    def mean_ms(self) -> float | None:
        """Mean duration of the finished invocations."""
        return self.total_ms / self.invocations if self.invocations else None

    @property
    def state(self) -> str:
        """``not run`` (locally), ``disabled``, ``running``, ``failing`` (last one failed), ``ok`` or ``idle``."""
        if self.spec is not None and self.spec.not_run is not None:
            return "not run"
        if self.spec is not None and self.spec.disabled:
            return "disabled"
        if self.running > 0:
            return "running"
        return {"": "idle", "ok": "ok"}.get(self.last_status, "failing")


@dataclass
class EdgeStats:
    """Traffic along one edge of the pipeline graph."""

    count: int = 0
    errors: int = 0
    #: Declared by a binding (shown even before any traffic).
    declared: bool = False
    #: (epoch seconds, count) of the most recent traffic (bounded), for the rate.
    recent: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=1024))

    def add(self, at: float, count: int = 1, error: bool = False) -> None:
        """Count traffic that happened at ``at`` (epoch seconds: old entries read late do not count as recent)."""
        self.count += count
        self.errors += int(error)
        self.recent.append((at, count))

    def rate_per_min(self, now: float | None = None) -> float:
        """Traffic per minute over the last :data:`RATE_WINDOW_S`."""
        now = time.time() if now is None else now
        return sum(n for at, n in self.recent if now - at <= RATE_WINDOW_S) * 60.0 / RATE_WINDOW_S
