"""Retry: a policy (how many attempts, what may be retried, how long to wait) and a pure backoff function.

Shaped like Dramatiq's: the delay before retry ``n`` is ``base * multiplier ** (n - 1)``, capped, then shortened
by a random fraction up to ``jitter`` so that many failing workers do not retry in lockstep. The attempt count
travels with the message (``Message.retry_count``), not in globals.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from framework.errors import ConfigurationError


def compute_backoff(
    attempt: int,
    base: float,
    multiplier: float = 2.0,
    cap: float = 60.0,
    jitter: float = 0.0,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number ``attempt`` (1 = the first retry).

    ``jitter`` (0..1) takes up to that fraction off the delay at random; the result never exceeds ``cap``.
    """
    if attempt < 1:
        raise ValueError(f"attempt counts from 1, got {attempt}")
    delay = min(cap, base * multiplier ** (attempt - 1))
    if jitter:
        delay -= delay * jitter * (rng or random).random()
    return max(0.0, delay)


@dataclass(frozen=True)
class RetryPolicy:
    """How a failing message is retried inside one invocation."""

    #: Attempts in all, the first one included (1 = never retry).
    max_attempts: int = 3
    #: Delay before the first retry, in seconds.
    base_delay_s: float = 1.0
    #: Longest delay between attempts, in seconds.
    max_delay_s: float = 30.0
    #: Growth of the delay per retry.
    multiplier: float = 2.0
    #: Random fraction taken off each delay (True means 0.5, False means none).
    jitter: bool | float = True
    #: Only these error types are retried (None: whatever the processor's ``can_retry`` allows).
    retryable_errors: tuple[type[BaseException], ...] | None = None

    def __post_init__(self) -> None:
        checks = {
            "max_attempts": self.max_attempts >= 1,
            "base_delay_s": self.base_delay_s >= 0,
            "max_delay_s": self.max_delay_s >= 0,
            "multiplier": self.multiplier >= 1,
            "jitter": 0 <= self.jitter_fraction <= 1,
        }
        for name, ok in checks.items():
            if not ok:
                raise ConfigurationError(
                    f"RetryPolicy {name}={getattr(self, name)!r} is out of range.",
                    hint="max_attempts >= 1, delays >= 0, multiplier >= 1, jitter a bool or 0..1",
                )

    @property
    def jitter_fraction(self) -> float:
        """``jitter`` as a fraction."""
        if isinstance(self.jitter, bool):
            return 0.5 if self.jitter else 0.0
        return float(self.jitter)

    def delay_for(self, attempt: int, rng: random.Random | None = None, at_least: float | None = None) -> float:
        """Seconds to wait before retry ``attempt``; ``at_least`` (a result's retry_after) is honoured up to the cap."""
        delay = compute_backoff(
            attempt, self.base_delay_s, self.multiplier, self.max_delay_s, self.jitter_fraction, rng
        )
        if at_least is not None:
            delay = max(delay, min(float(at_least), self.max_delay_s))
        return delay

    def allows(self, error: BaseException) -> bool:
        """Whether the policy lets ``error`` be retried."""
        return self.retryable_errors is None or isinstance(error, self.retryable_errors)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (error types by name)."""
        return {
            "max_attempts": self.max_attempts,
            "base_delay_s": self.base_delay_s,
            "max_delay_s": self.max_delay_s,
            "multiplier": self.multiplier,
            "jitter": self.jitter,
            "retryable_errors": [t.__name__ for t in self.retryable_errors] if self.retryable_errors else None,
        }
