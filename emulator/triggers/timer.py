"""The timer trigger: sleep until each timer function's next occurrence and invoke it with a ``TimerRequest``.

Like the WebJobs timer listener: one loop per function, never two invocations of one timer at once (the next
occurrence is computed after an invocation ends, so a slow run skips occurrences rather than piling them up);
``run_on_startup`` and a past-due occurrence each cause one invocation at start (past due wins: ``past_due=True``);
``use_monitor`` (default on for schedules at least a minute apart, as on Azure) records the schedule status.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import azure.functions as func
from azure.functions import meta
from azure.functions.timer import TimerRequestConverter

from emulator.app.deployment import Deployment
from emulator.app.functions import FunctionInfo
from emulator.runtime.context import RetryContext, RpcException
from emulator.runtime.host_api import HostLike
from emulator.runtime.invocation import InvocationResult, Invoker
from emulator.runtime.retry_policy import RetryPolicy, check_retry_policies
from emulator.triggers.schedule import Schedule, parse_schedule
from emulator.triggers.timer_monitor import ScheduleMonitor, ScheduleStatus
from framework.context import current_settings

log = logging.getLogger(__name__)


class Clock(Protocol):
    """Where the timer runner gets "now" and how it waits (injectable so tests need not sleep)."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    async def sleep_until(self, moment: datetime) -> None:
        """Return at ``moment`` (or at once if it has passed)."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    async def sleep_until(self, moment: datetime) -> None:
        """Sleep until ``moment`` by the wall clock."""
        await asyncio.sleep(max(0.0, (moment - self.now()).total_seconds()))


@dataclass(frozen=True)
class TimerFunction:
    """A timer function with its schedule read."""

    fn: FunctionInfo
    schedule: Schedule
    run_on_startup: bool
    use_monitor: bool
    #: ``@app.retry``: how a failed occurrence is retried (None: it is not).
    retry: RetryPolicy | None = None

    @classmethod
    def from_function(cls, fn: FunctionInfo, settings: Mapping[str, str], now: datetime) -> TimerFunction:
        """Read the trigger's ``schedule``, ``runOnStartup`` and ``useMonitor`` (default as on Azure)."""
        options = fn.trigger.settings
        schedule = parse_schedule(str(options.get("schedule", "")), function=fn.name, settings=settings)
        use_monitor = options.get("useMonitor")
        if use_monitor is None:
            use_monitor = shortest_interval(schedule, now) >= timedelta(minutes=1)
        retry = RetryPolicy.from_settings(fn.retry, function=fn.name)
        return cls(fn, schedule, bool(options.get("runOnStartup")), bool(use_monitor), retry)


def shortest_interval(schedule: Schedule, now: datetime) -> timedelta:
    """The gap between the next two occurrences (how the SDK decides the ``useMonitor`` default)."""
    first = schedule.next_after(now)
    return schedule.next_after(first) - first


def timer_request(*, past_due: bool, status: ScheduleStatus | None) -> func.TimerRequest:
    """Build the ``TimerRequest`` exactly as the Python worker does: decode the host's JSON payload."""
    payload = {
        "Schedule": {"AdjustForDST": True},
        "ScheduleStatus": status.to_dict() if status else None,
        "IsPastDue": past_due,
    }
    datum = meta.Datum(type="json", value=json.dumps(payload))
    request: func.TimerRequest = TimerRequestConverter.decode(datum, trigger_metadata={})
    return request


class TimerRunner:
    """Runs every enabled timer function of a host; a host runner (``start`` / ``drain``)."""

    def __init__(self, *, clock: Clock | None = None, state_dir: Path | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self._state_dir = state_dir
        self._stop = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []

    async def start(self, host: HostLike) -> None:
        """Start one loop per enabled timer function of ``host``."""
        deployment = host.deployment
        state_dir = self._state_dir or deployment.path / ".exchange"
        # started by the host under its runtime: %NAME% schedules resolve from this host's own app settings
        await self.start_with(host.invoker, host.functions, settings=current_settings(), state_dir=state_dir)

    async def start_with(
        self, invoker: Invoker, functions: Sequence[FunctionInfo], *, settings: Mapping[str, str], state_dir: Path
    ) -> None:
        """Start the loops from explicit parts (what ``start`` does with the host's)."""
        now = self.clock.now()
        check_retry_policies([f for f in functions if not f.disabled])
        timers = [TimerFunction.from_function(f, settings, now) for f in functions if _is_timer(f)]
        monitor = ScheduleMonitor(state_dir / "timers.json")
        for timer in timers:
            loop = _TimerLoop(timer, invoker, self.clock, monitor if timer.use_monitor else None, self._stop)
            task = asyncio.create_task(loop.run(), name=f"timer:{timer.fn.name}")
            task.add_done_callback(_report_crash)
            self._loops.append(task)

    async def drain(self, timeout: float) -> None:
        """Stop scheduling; let a running invocation finish within ``timeout`` seconds, then cancel it."""
        self._stop.set()
        if not self._loops:
            return
        _, pending = await asyncio.wait(self._loops, timeout=timeout)
        for task in pending:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*pending, return_exceptions=True)


def _report_crash(task: asyncio.Task[None]) -> None:
    """A timer loop ends only on drain; anything else is a host failure the user must see."""
    if not task.cancelled() and task.exception() is not None:
        log.error("%s stopped: its schedule no longer runs", task.get_name(), exc_info=task.exception())


def check_schedules(deployment: Deployment, functions: Sequence[FunctionInfo]) -> None:
    """Read every enabled timer's schedule and every retry policy now: a bad one fails loading (naming the
    function), before any poll."""
    settings, now = _app_settings(deployment), datetime.now(UTC)
    for fn in functions:
        RetryPolicy.from_settings(fn.retry, function=fn.name)
    for fn in functions:
        if _is_timer(fn):
            TimerFunction.from_function(fn, settings, now)


def _is_timer(fn: FunctionInfo) -> bool:
    return fn.trigger_kind == "timer" and not fn.disabled


def _app_settings(deployment: Deployment) -> Mapping[str, str]:
    """App settings as the worker sees them: the environment overlaid with local.settings.json Values."""
    return {**os.environ, **deployment.local.values}


class _TimerLoop:
    """The schedule of one timer function."""

    def __init__(
        self, timer: TimerFunction, invoker: Invoker, clock: Clock, monitor: ScheduleMonitor | None, stop: asyncio.Event
    ) -> None:
        self.timer, self.invoker, self.clock, self.monitor, self.stop = timer, invoker, clock, monitor, stop
        self.status = monitor.load(timer.fn.name) if monitor else None

    async def run(self) -> None:
        now = self.clock.now()
        past_due = self.status is not None and self._expected_next(self.status) <= now
        if past_due or self.timer.run_on_startup:
            missed = self._expected_next(self.status) if past_due and self.status else now
            await self._fire(occurrence=missed, past_due=past_due)
        elif self.monitor and self.status is None:
            self._record(last=None, now=now)
        while not self.stop.is_set():
            occurrence = self.timer.schedule.next_after(self.clock.now())
            if not await self._sleep_until(occurrence):
                return
            await self._fire(occurrence=occurrence, past_due=False)

    def _expected_next(self, status: ScheduleStatus) -> datetime:
        # Recompute from the last run (or the record) so a changed schedule is honoured, as the SDK does.
        return self.timer.schedule.next_after(status.last or status.last_updated)

    async def _sleep_until(self, moment: datetime) -> bool:
        """Wait for ``moment``; False if the runner is draining."""
        sleeper = asyncio.ensure_future(self.clock.sleep_until(moment))
        stopper = asyncio.ensure_future(self.stop.wait())
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        for task in (sleeper, stopper):
            task.cancel()
        return not self.stop.is_set()

    async def _fire(self, *, occurrence: datetime, past_due: bool) -> None:
        request = timer_request(past_due=past_due, status=self.status)
        details = {"schedule": self.timer.fn.trigger.settings.get("schedule"), "past_due": past_due}
        result = await self._invoke_with_retries(request, details)
        if result is not None and not result.ok:
            log.warning("timer function %s failed: %s", self.timer.fn.name, result.error)
        if self.monitor:
            self._record(last=occurrence, now=self.clock.now())

    async def _invoke_with_retries(
        self, request: func.TimerRequest, details: dict[str, Any]
    ) -> InvocationResult | None:
        """Invoke, then retry as ``@app.retry`` says; None when draining interrupted a wait between retries."""
        policy, fn = self.timer.retry, self.timer.fn
        retry = RetryContext(0, policy.max_retry_count) if policy else None
        delay: float | None = None
        while True:
            result = await self.invoker.invoke(fn, request, trigger_details=details, retry=retry)
            if result.ok or policy is None or retry is None or not policy.retries_left(retry.retry_count):
                return result
            attempt = retry.retry_count + 1
            delay = policy.next_delay(attempt, delay)
            limit = "unlimited" if policy.max_retry_count == -1 else policy.max_retry_count
            log.warning(
                "timer function %s failed: %s; retry %d of %s in %.3g s", fn.name, result.error, attempt, limit, delay
            )
            if not await self._sleep_until(self.clock.now() + timedelta(seconds=delay)):
                return None  # draining: retries stop, as the host's do when the invocation is cancelled
            retry = RetryContext(attempt, policy.max_retry_count, RpcException.of(result.error, fn.name))

    def _record(self, *, last: datetime | None, now: datetime) -> None:
        assert self.monitor is not None
        self.status = ScheduleStatus(last=last, next=self.timer.schedule.next_after(now), last_updated=now)
        self.monitor.save(self.timer.fn.name, self.status)
