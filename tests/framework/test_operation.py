"""@operation: timing, logging, metrics, events and one correlation id across nesting, threads and tasks."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import threading
from collections.abc import Iterator

import pytest

from framework import ConfigurationError, operation
from framework.context import correlation_context, current_correlation_id
from framework.events import capture
from framework.metrics import registry


@pytest.fixture(autouse=True)
def fresh_metrics() -> Iterator[None]:
    registry.reset()
    yield
    registry.reset()


@operation("test.add")
def add(a: int, b: int = 1) -> int:
    """Adds."""
    return a + b


@operation("test.fail")
def fail() -> None:
    raise ValueError("boom")


class Service:
    @operation("test.method")
    def method(self, x: int) -> str:
        return f"{x}:{current_correlation_id()}"

    @operation("test.async_method")
    async def amethod(self) -> str | None:
        await asyncio.sleep(0)
        return current_correlation_id()


def test_records_counts_failures_and_durations() -> None:
    assert add(1) == 2 and add(2, b=3) == 5
    with pytest.raises(ValueError):
        fail()

    stats = registry.snapshot()
    assert (stats["test.add"]["count"], stats["test.add"]["failures"]) == (2, 0)
    assert (stats["test.fail"]["count"], stats["test.fail"]["failures"]) == (1, 1)
    assert stats["test.add"]["max_ms"] >= stats["test.add"]["mean_ms"] >= 0


def test_logs_start_and_end_with_duration(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="framework.operation"):
        add(1)
    assert any("test.add started" in r.message for r in caplog.records)
    assert any("test.add ok in" in r.message and " ms" in r.message for r in caplog.records)


def test_emits_start_and_end_events_under_one_correlation_id() -> None:
    with capture() as seen:
        add(1)
    assert [e.kind for e in seen] == ["operation.start", "operation.end"]
    assert seen[0].correlation_id and seen[0].correlation_id == seen[1].correlation_id
    assert seen[1].data["ok"] is True and seen[1].data["duration_ms"] >= 0


def test_keeps_the_signature_name_and_docstring() -> None:
    assert add.__name__ == "add" and add.__doc__ == "Adds."
    assert list(inspect.signature(add).parameters) == ["a", "b"]
    assert inspect.iscoroutinefunction(Service.amethod)


def test_nested_operations_and_methods_share_the_outer_correlation_id() -> None:
    with correlation_context("outer-id"):
        assert Service().method(3) == "3:outer-id"


def test_starts_a_correlation_id_when_none_is_in_force() -> None:
    assert current_correlation_id() is None
    first, second = Service().method(1), Service().method(1)
    assert first.split(":")[1] != "None" and first != second


def test_correlation_id_flows_into_a_thread_started_with_copy_context() -> None:
    seen: list[str | None] = []

    @operation("test.outer")
    def outer() -> None:
        ctx = contextvars.copy_context()
        thread = threading.Thread(target=ctx.run, args=(lambda: seen.append(Service().method(0)),))
        thread.start()
        thread.join()
        seen.append(current_correlation_id())

    outer()
    assert seen[0] == f"0:{seen[1]}"


def test_async_operation_and_task_share_the_correlation_id() -> None:
    async def main() -> tuple[str | None, str | None]:
        with correlation_context("async-id"):
            task = asyncio.create_task(Service().amethod())
            return await task, await Service().amethod()

    assert asyncio.run(main()) == ("async-id", "async-id")
    assert registry.snapshot()["test.async_method"]["count"] == 2


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_bad_name_fails_at_decoration_time(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="non-empty name"):
        operation(bad)  # type: ignore[arg-type]
