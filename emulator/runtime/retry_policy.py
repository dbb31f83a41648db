"""Function retry policies (``@app.retry``), read as the Python worker reads them and run as the host runs them.

The worker turns the decorator's settings into the host's retry options (``loader.build_retry_protos``): the count
through ``int()``, intervals as ``HH:MM:SS`` (whole seconds), ``fixed_delay`` or else ``exponential_backoff``; the
host then refuses a count below -1 or a minimum above the maximum. Any of these fails loading here, naming the
function. The WebJobs SDK's retry loop (``FunctionExecutorExtensions.TryExecuteAsync``) runs the function, and on
failure waits and runs it again with ``retry_count`` 1, 2, ... until it succeeds or ``max_retry_count`` retries
have failed (-1: forever); draining the host ends the waiting. The host applies these policies to timer triggers
(and Event Hubs, Kafka, Cosmos DB), not to queue or HTTP triggers: there a policy is reported and ignored.

Delays: ``fixed_delay`` waits ``delay_interval`` each time. ``exponential_backoff`` is the SDK's
``RandomizedExponentialBackoffStrategy`` with the minimum as its step: the first retry waits the minimum, the
n-th ``minimum + jitter * 2**(n-2) * minimum`` with jitter uniform in [0.8, 1.2), capped at the maximum (once
there, it stays there).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from emulator.app.functions import FunctionInfo
from framework.errors import ConfigurationError

log = logging.getLogger(__name__)

#: Trigger kinds the emulator runs whose functions the host retries by policy.
RETRIED_TRIGGERS = frozenset({"timer"})
#: The SDK's jitter: each exponential step is scaled by a factor in [1 - this, 1 + this).
RANDOMIZATION_FACTOR = 0.2


class RetryPolicyError(ConfigurationError):
    """An ``@app.retry`` the worker or the host refuses."""


@dataclass(frozen=True)
class RetryPolicy:
    """One function's retry policy."""

    strategy: Literal["fixed_delay", "exponential_backoff"]
    #: Retries after the first failure; -1 retries forever.
    max_retry_count: int
    #: ``fixed_delay``: seconds between attempts.
    delay_s: float = 0.0
    #: ``exponential_backoff``: the first retry's wait and the step.
    minimum_s: float = 0.0
    #: ``exponential_backoff``: the longest wait.
    maximum_s: float = 0.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None, *, function: str) -> RetryPolicy | None:
        """The policy of ``@app.retry`` settings (None without one); bad settings raise :class:`RetryPolicyError`."""
        if not settings:
            return None
        where = f"function {function!r}: @app.retry"
        count = _count(settings.get("max_retry_count"), where)
        if settings.get("strategy") == "fixed_delay":
            return cls("fixed_delay", count, delay_s=_interval(settings, "delay_interval", where))
        if settings.get("strategy") != "exponential_backoff":
            raise RetryPolicyError(
                f"{where}: unknown strategy {settings.get('strategy')!r}",
                hint='use strategy="fixed_delay" or strategy="exponential_backoff"',
            )
        minimum = _interval(settings, "minimum_interval", where)
        maximum = _interval(settings, "maximum_interval", where)
        if minimum > maximum:
            raise RetryPolicyError(f"{where}: the minimum_interval must not be greater than the maximum_interval")
        return cls("exponential_backoff", count, minimum_s=minimum, maximum_s=maximum)

    def retries_left(self, retry_count: int) -> bool:
        """Whether another retry follows ``retry_count`` failed retries."""
        return self.max_retry_count == -1 or retry_count < self.max_retry_count

    def next_delay(self, retry: int, previous_s: float | None, jitter: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based), given the wait before the previous one."""
        if self.strategy == "fixed_delay":
            return self.delay_s
        return exponential_delay(retry, self.minimum_s, self.maximum_s, previous_s, jitter)


def exponential_delay(
    retry: int, minimum_s: float, maximum_s: float, previous_s: float | None = None, jitter: float | None = None
) -> float:
    """The SDK's randomized exponential backoff (pure when ``jitter`` is given: 1.0 means none)."""
    if previous_s is not None and previous_s >= maximum_s:
        return maximum_s
    if retry <= 1:
        return min(minimum_s, maximum_s)
    factor = jitter if jitter is not None else random.uniform(1 - RANDOMIZATION_FACTOR, 1 + RANDOMIZATION_FACTOR)
    return min(minimum_s + factor * 2 ** (retry - 2) * minimum_s, maximum_s)


def _count(raw: Any, where: str) -> int:
    try:
        count = int(raw)
    except (TypeError, ValueError):
        raise RetryPolicyError(
            f"{where}: max_retry_count {raw!r} is not a whole number", hint="use e.g. max_retry_count=3 (-1: forever)"
        ) from None
    if count < -1:
        raise RetryPolicyError(f"{where}: max_retry_count {count} is below -1", hint="-1 retries forever")
    return count


def _interval(settings: Mapping[str, Any], name: str, where: str) -> float:
    """An ``HH:MM:SS`` interval in seconds, read as the worker reads it (``time.strptime``)."""
    raw = settings.get(name)
    try:
        parsed = time.strptime(str(raw), "%H:%M:%S") if raw is not None else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise RetryPolicyError(f"{where}: {name} {raw!r} is not HH:MM:SS", hint=f'e.g. {name}="00:00:10"')
    return float(parsed.tm_hour * 3600 + parsed.tm_min * 60 + parsed.tm_sec)


def check_retry_policies(functions: Sequence[FunctionInfo]) -> dict[str, RetryPolicy]:
    """Read every function's policy (a bad one fails loading); say which ones the host would not apply."""
    policies = {}
    for fn in functions:
        policy = RetryPolicy.from_settings(fn.retry, function=fn.name)
        if policy is None:
            continue
        if fn.trigger_kind in RETRIED_TRIGGERS:
            policies[fn.name] = policy
        else:
            log.warning(
                "function %s: @app.retry is not applied to %s triggers (the Functions host retries only timer, "
                "Event Hubs, Kafka and Cosmos DB triggers by policy)%s",
                fn.name,
                fn.trigger_kind,
                "; a failed message is retried by the queue (maxDequeueCount) instead"
                if fn.trigger_kind == "queue"
                else "",
            )
    return policies
