"""The TUI's full garbage collections: off while the user types, run when quiet, bounded anyway, put back at exit.

Against the real collector: cyclic garbage is made, moved to the oldest generation by real collections of the
middle one, and a weak reference tells whether a full collection has freed it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from tui_traffic import wait_for, write_orders

from emulator.journal.store import Journal
from exchange_cli.tui import make_app
from exchange_cli.tui.gc_pacing import NEVER, IdleCollector
from exchange_cli.tui.target import TuiTarget

#: How many middle-generation collections CPython lets pass before a full one (its oldest threshold).
CPYTHON_RULE = gc.get_threshold()[2]


class Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def old_garbage() -> weakref.ref[Cycle]:
    """A cycle that has reached the oldest generation and then become garbage."""
    cycle = Cycle()
    gc.collect(1)  # survives the young generations: now in the oldest
    assert gc.is_tracked(cycle)
    return weakref.ref(cycle)


@pytest.fixture
def collector() -> Iterator[IdleCollector]:
    before = gc.get_threshold()
    collector = IdleCollector(idle_s=0.0)
    collector.start()
    try:
        yield collector
    finally:
        collector.stop()
        assert gc.get_threshold() == before


def middle_collections(n: int) -> None:
    for _ in range(n):
        gc.collect(1)


def test_while_started_the_collector_never_runs_a_full_collection_by_itself(collector: IdleCollector) -> None:
    garbage = old_garbage()
    middle_collections(3 * gc.get_threshold()[1])  # far past CPython's own rule for a full collection

    assert gc.get_threshold()[2] == NEVER
    assert garbage() is not None


def test_a_quiet_user_gets_the_full_collection_cpython_would_have_run(collector: IdleCollector) -> None:
    garbage = old_garbage()
    assert not collector.tick()  # nothing promoted since start: nothing due
    middle_collections(CPYTHON_RULE + 1)

    assert collector.tick()
    assert garbage() is None
    assert not collector.tick()  # and not again until enough is promoted once more


def test_a_typing_user_waits_for_no_full_collection_until_the_oldest_generation_has_grown_too_much() -> None:
    collector = IdleCollector(idle_s=60.0, busy_share=0.5, busy_runs=2)
    collector.start()
    try:
        garbage = old_garbage()
        collector.input_seen()
        middle_collections(20)
        assert not collector.tick()  # due by CPython's rule, but the user is typing and the heap has not grown
        assert garbage() is not None

        keep = [Cycle() for _ in range(max(100_000, len(gc.get_objects(generation=2))))]
        middle_collections(2)
        collector.input_seen()
        assert collector.tick()  # grown by more than half: collected anyway
        assert garbage() is None
        del keep
    finally:
        collector.stop()


def test_stop_gives_back_the_thresholds_and_the_callback() -> None:
    before, callbacks = gc.get_threshold(), list(gc.callbacks)
    collector = IdleCollector()
    collector.start()
    collector.start()  # twice: still one callback, the thresholds of before kept
    collector.stop()
    collector.stop()

    assert gc.get_threshold() == before
    assert gc.callbacks == callbacks


def test_two_apps_collectors_stopped_in_any_order_leave_the_thresholds_of_before() -> None:
    before = gc.get_threshold()
    first, second = IdleCollector(), IdleCollector()
    first.start()
    second.start()
    first.stop()
    second.stop()

    assert gc.get_threshold() == before


@pytest.mark.asyncio
async def test_the_app_owns_the_full_collections_while_it_runs_and_gives_them_back(
    journal: Journal, target: TuiTarget
) -> None:
    before = gc.get_threshold()
    write_orders(journal, 1, 3)
    app = make_app(target)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.model.entries_seen == 3 * 7)
        assert app.collector.active
        assert gc.get_threshold() == (before[0], before[1], NEVER)

    assert not app.collector.active
    assert gc.get_threshold() == before
