"""The timer trigger: schedules, run_on_startup, past-due occurrences after a restart, drain."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from timer_http_support import ManualClock, calls_of, load_app, new_invoker, wait_until

from emulator.runtime.invocation import Invoker
from emulator.triggers.schedule import ScheduleError
from emulator.triggers.timer import SystemClock, TimerRunner

SETTINGS = {"FAST_SCHEDULE": "*/1 * * * * *"}


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 3, 2, hh, mm, ss, tzinfo=UTC)


class Started:
    """A running timer runner over one function of the test app, and what that function received."""

    def __init__(self, runner: TimerRunner, invoker: Invoker, calls: list[tuple[str, Any]]) -> None:
        self.runner, self.invoker, self.calls = runner, invoker, calls

    def requests(self) -> list[func.TimerRequest]:
        return [request for _, request in self.calls]

    async def stop(self) -> None:
        await self.runner.drain(timeout=2)
        await self.invoker.close()


async def start(name: str, clock: ManualClock | SystemClock, state: Path) -> Started:
    _, functions = load_app("timers")
    runner, invoker = TimerRunner(clock=clock), new_invoker()
    await runner.start_with(invoker, [f for f in functions if f.name == name], settings=SETTINGS, state_dir=state)
    return Started(runner, invoker, calls_of(functions))


def test_run_on_startup_runs_once_at_start_then_on_schedule(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = ManualClock(at(10, 0, 30))
        timers = await start("hourly_on_startup", clock, tmp_path)
        await wait_until(lambda: clock.sleepers == [at(11, 0)], what="sleep until 11:00")
        assert len(timers.calls) == 1
        first = timers.requests()[0]
        assert isinstance(first, func.TimerRequest) and first.past_due is False
        await clock.advance_to(at(11, 0))
        await wait_until(lambda: clock.sleepers == [at(12, 0)], what="sleep until 12:00")
        assert len(timers.calls) == 2 and timers.requests()[1].past_due is False
        await timers.stop()

    asyncio.run(scenario())


def test_missed_occurrence_fires_once_past_due_after_a_restart(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = ManualClock(at(10, 0, 30))
        timers = await start("every_five_minutes", clock, tmp_path)
        await wait_until(lambda: clock.sleepers == [at(10, 5)], what="sleep until 10:05")
        assert timers.calls == []
        await timers.stop()

        later = ManualClock(at(10, 17))  # 10:05, 10:10 and 10:15 were missed while the host was down
        timers = await start("every_five_minutes", later, tmp_path)
        await wait_until(lambda: later.sleepers == [at(10, 20)], what="sleep until 10:20")
        assert [request.past_due for request in timers.requests()] == [True]
        status = timers.requests()[0].schedule_status
        assert status["Next"] == "2026-03-02T10:05:00+00:00"
        assert status["LastUpdated"] == "2026-03-02T10:00:30+00:00"
        await timers.stop()

    asyncio.run(scenario())


def test_restart_before_the_next_occurrence_is_not_past_due(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = ManualClock(at(10, 0, 30))
        timers = await start("every_five_minutes", clock, tmp_path)
        await wait_until(lambda: bool(clock.sleepers), what="first sleep")
        await timers.stop()
        again = ManualClock(at(10, 3))
        timers = await start("every_five_minutes", again, tmp_path)
        await wait_until(lambda: again.sleepers == [at(10, 5)], what="sleep until 10:05")
        assert timers.calls == []
        await timers.stop()

    asyncio.run(scenario())


def test_function_sees_last_and_next_occurrence_in_schedule_status(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = ManualClock(at(10, 0, 30))
        timers = await start("every_five_minutes", clock, tmp_path)
        for moment in (at(10, 5), at(10, 10)):
            await wait_until(lambda m=moment: clock.sleepers == [m], what=f"sleep until {moment}")  # type: ignore[misc]
            await clock.advance_to(moment)
        await wait_until(lambda: len(timers.calls) == 2, what="two invocations")
        second = timers.requests()[1]
        assert second.schedule_status["Last"] == "2026-03-02T10:05:00+00:00"
        assert second.schedule_status["Next"] == "2026-03-02T10:10:00+00:00"
        assert second.schedule == {"AdjustForDST": True}
        await timers.stop()
        record = json.loads((tmp_path / "timers.json").read_text())["every_five_minutes"]
        assert record["Last"] == "2026-03-02T10:10:00+00:00" and record["Next"] == "2026-03-02T10:15:00+00:00"

    asyncio.run(scenario())


def test_drain_stops_scheduling(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = ManualClock(at(10, 0, 30))
        timers = await start("every_five_minutes", clock, tmp_path)
        await wait_until(lambda: bool(clock.sleepers), what="first sleep")
        await timers.stop()
        await clock.advance_to(at(10, 5))
        await asyncio.sleep(0)  # let any (wrongly) surviving loop run one step
        assert timers.calls == [] and clock.sleepers == []

    asyncio.run(scenario())


def test_every_second_schedule_fires_for_real_and_is_not_monitored(tmp_path: Path) -> None:
    async def scenario() -> None:
        timers = await start("every_second", SystemClock(), tmp_path)
        await wait_until(lambda: len(timers.calls) >= 2, timeout=5, what="two real invocations")
        await timers.stop()
        assert all(request.past_due is False for request in timers.requests())
        assert timers.requests()[0].schedule_status == {}
        assert not (tmp_path / "timers.json").exists()  # useMonitor defaults off below one minute, as on Azure

    asyncio.run(scenario())


def test_unresolved_schedule_setting_fails_at_start_naming_the_function(tmp_path: Path) -> None:
    async def scenario() -> None:
        _, functions = load_app("timers")
        fast = [f for f in functions if f.name == "every_second"]
        invoker = new_invoker()
        with pytest.raises(ScheduleError, match=r"function 'every_second'.*'FAST_SCHEDULE'"):
            await TimerRunner().start_with(invoker, fast, settings={}, state_dir=tmp_path)
        await invoker.close()

    asyncio.run(scenario())
