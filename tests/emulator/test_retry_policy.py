"""``@app.retry`` as the worker reads it and the host runs it: timer triggers retried with fixed or jittered
exponential delays (``max_retry_count=-1``: until it succeeds), ``context.retry_context`` counting, queue triggers
left to the queue's own retries, bad policies refused at load."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from timer_http_support import ManualClock, calls_of, load_app, new_invoker, wait_until

from emulator.runtime.retry_policy import RetryPolicy, RetryPolicyError, exponential_delay
from emulator.triggers.timer import TimerRunner

START = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


async def run_timer(name: str, clock: ManualClock, state: Path) -> tuple[TimerRunner, list[tuple[str, object]]]:
    _, functions = load_app("retries")
    calls = calls_of(functions)
    calls.clear()
    runner = TimerRunner(clock=clock)
    await runner.start_with(new_invoker(), [f for f in functions if f.name == name], settings={}, state_dir=state)
    return runner, calls


def attempts(calls: list[tuple[str, object]], name: str) -> list[object]:
    return [value for fn, value in calls if fn == name]


def test_fixed_delay_retries_max_retry_count_times_with_the_retry_context_counting(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = ManualClock(START)
        runner, calls = await run_timer("fixed", clock, tmp_path)
        for retry in (1, 2):
            due = START + timedelta(seconds=5 * retry)
            await wait_until(lambda due=due: clock.sleepers == [due], what=f"retry {retry}")  # type: ignore[misc]
            await clock.advance_to(due)
        await wait_until(lambda: clock.sleepers == [datetime(2027, 1, 1, tzinfo=UTC)], what="the next occurrence")
        assert attempts(calls, "fixed") == [
            (0, 2, ""),
            (1, 2, "RuntimeError: fixed attempt 0 failed"),
            (2, 2, "RuntimeError: fixed attempt 1 failed"),
        ]
        await runner.drain(timeout=2)

    asyncio.run(scenario())


def test_max_retry_count_minus_one_retries_until_the_function_succeeds(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = ManualClock(START)
        runner, calls = await run_timer("forever", clock, tmp_path)
        for retry in (1, 2, 3):
            due = START + timedelta(seconds=retry)
            await wait_until(lambda due=due: clock.sleepers == [due], what=f"retry {retry}")  # type: ignore[misc]
            await clock.advance_to(due)
        await wait_until(lambda: clock.sleepers == [datetime(2027, 1, 1, tzinfo=UTC)], what="the next occurrence")
        assert [value[:2] for value in attempts(calls, "forever")] == [(0, -1), (1, -1), (2, -1), (3, -1)]  # type: ignore[index]
        await runner.drain(timeout=2)

    asyncio.run(scenario())


def test_exponential_backoff_waits_grow_with_jitter_and_stop_at_the_maximum(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = ManualClock(START)
        runner, calls = await run_timer("backoff", clock, tmp_path)
        waits: list[float] = []
        for retry in range(1, 5):
            await wait_until(
                lambda: len(clock.sleepers) == 1 and clock.sleepers[0] > clock.now(), what=f"retry {retry}"
            )
            moment = clock.sleepers[0]
            waits.append((moment - clock.now()).total_seconds())
            await clock.advance_to(moment)
        await wait_until(lambda: clock.sleepers == [datetime(2027, 1, 1, tzinfo=UTC)], what="the next occurrence")
        assert waits[0] == 2.0  # the minimum
        assert 2 + 0.8 * 2 <= waits[1] < 2 + 1.2 * 2  # minimum + jitter * 2**0 * minimum
        assert waits[2] == waits[3] == 5.0  # 2 + jitter * 4 is past the 5 s maximum
        assert len(attempts(calls, "backoff")) == 5
        await runner.drain(timeout=2)

    asyncio.run(scenario())


def test_draining_ends_the_wait_between_retries(tmp_path: Path) -> None:
    async def scenario() -> None:
        clock = ManualClock(START)
        runner, calls = await run_timer("fixed", clock, tmp_path)
        await wait_until(lambda: clock.sleepers == [START + timedelta(seconds=5)], what="the first retry's wait")
        await asyncio.wait_for(runner.drain(timeout=2), timeout=5)
        assert len(attempts(calls, "fixed")) == 1

    asyncio.run(scenario())


def test_exponential_delay_without_jitter_is_the_sdks_sequence() -> None:
    delays, previous = [], None
    for retry in range(1, 7):
        previous = exponential_delay(retry, 1.0, 20.0, previous, jitter=1.0)
        delays.append(previous)
    assert delays == [1.0, 2.0, 3.0, 5.0, 9.0, 17.0]
    assert exponential_delay(7, 1.0, 20.0, 17.0, jitter=1.0) == 20.0
    assert exponential_delay(8, 1.0, 20.0, 20.0, jitter=0.8) == 20.0  # once at the maximum it stays there


def test_a_queue_triggers_policy_is_reported_and_not_applied(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        _, functions = load_app("retries")
        runner = TimerRunner(clock=ManualClock(START))
        with caplog.at_level(logging.WARNING):
            await runner.start_with(
                new_invoker(), [f for f in functions if f.name == "on_order"], settings={}, state_dir=tmp_path
            )
        await runner.drain(timeout=1)

    asyncio.run(scenario())
    assert "function on_order: @app.retry is not applied to queue triggers" in caplog.text
    assert "maxDequeueCount" in caplog.text


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"strategy": "fixed_delay", "max_retry_count": "three", "delay_interval": "00:00:01"}, "not a whole number"),
        ({"strategy": "fixed_delay", "max_retry_count": "-2", "delay_interval": "00:00:01"}, "below -1"),
        ({"strategy": "fixed_delay", "max_retry_count": "1", "delay_interval": "5"}, "delay_interval '5' is not HH"),
        ({"strategy": "fixed_delay", "max_retry_count": "1"}, "delay_interval None is not HH:MM:SS"),
        ({"strategy": "linear", "max_retry_count": "1"}, "unknown strategy 'linear'"),
        (
            {"strategy": "exponential_backoff", "max_retry_count": "1", "minimum_interval": "00:01:00",
             "maximum_interval": "00:00:10"},
            "minimum_interval must not be greater than the maximum_interval",
        ),
    ],
)  # fmt: skip
def test_a_policy_the_worker_or_host_refuses_fails_naming_the_function(settings: dict[str, str], message: str) -> None:
    with pytest.raises(RetryPolicyError, match=message) as caught:
        RetryPolicy.from_settings(settings, function="nightly")
    assert "function 'nightly': @app.retry" in str(caught.value)
