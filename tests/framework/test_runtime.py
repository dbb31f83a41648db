"""One Runtime per host: event sinks, metrics and the queue transport are not shared between two of them."""

from __future__ import annotations

import contextvars
import threading

from framework import events, operation
from framework.context import current_runtime, default_runtime, runtime_context
from framework.metrics import registry
from framework.runtime import Runtime
from framework.transport import StorageQueueTransport


@operation("runtime.work")
def work(n: int) -> int:
    events.emit("entity.persisted", n=n)
    return n


def run_in(runtime: Runtime, n: int) -> None:
    """What a host does for each invocation: the function runs in a thread under the host's runtime."""
    with runtime_context(runtime):
        ctx = contextvars.copy_context()
    thread = threading.Thread(target=ctx.run, args=(work, n))
    thread.start()
    thread.join()


def test_two_runtimes_in_one_process_see_only_their_own_events_and_metrics() -> None:
    a, b = Runtime(), Runtime()
    seen_a: list[events.Event] = []
    seen_b: list[events.Event] = []
    a.sinks.add(seen_a.append)
    b.sinks.add(seen_b.append)

    run_in(a, 1)
    run_in(a, 2)
    run_in(b, 3)

    assert [e.data["n"] for e in seen_a if e.kind == "entity.persisted"] == [1, 2]
    assert [e.data["n"] for e in seen_b if e.kind == "entity.persisted"] == [3]
    assert a.metrics.snapshot()["runtime.work"]["count"] == 2
    assert b.metrics.snapshot()["runtime.work"]["count"] == 1
    assert "runtime.work" not in default_runtime().metrics.snapshot()


def test_outside_any_host_the_process_default_runtime_is_in_force() -> None:
    runtime = Runtime()
    assert current_runtime() is default_runtime()
    with runtime_context(runtime), events.capture() as seen:
        registry.reset()
        work(7)
        assert registry.snapshot()["runtime.work"]["count"] == 1
        assert current_runtime().transport is runtime.transport
    assert [e.data.get("n") for e in seen if e.kind == "entity.persisted"] == [7]
    assert current_runtime() is default_runtime() and runtime.metrics is not default_runtime().metrics


def test_each_runtime_has_its_own_transport_unless_one_is_installed() -> None:
    a, b = Runtime(), Runtime()
    installed = StorageQueueTransport("none")
    b.set_transport(installed)
    assert a.transport is not b.transport and b.transport is installed and a.transport is a.transport
