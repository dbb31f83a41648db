"""Realistic journal traffic for the TUI's tests and benchmark, written with the real Journal class.

A small pipeline: queue ``orders`` -> function ``ingest`` (persists an entity, routes to ``enriched``) ->
function ``enrich``; a timer function ``nightly``. Times and ids are fixed, so snapshots are stable.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from emulator.journal.store import Journal, JournalEntry

START = datetime(2026, 1, 5, 9, 30, 0, tzinfo=UTC)
#: The writer's pid shown in details (fixed: snapshots must not show the test's own).
PID = 4242

FUNCTIONS = [
    {
        "name": "ingest",
        "bindings": [
            {"name": "msg", "type": "queueTrigger", "direction": "in", "queueName": "orders"},
            {"name": "out", "type": "queue", "direction": "out", "queueName": "enriched"},
        ],
    },
    {
        "name": "enrich",
        "bindings": [{"name": "msg", "type": "queueTrigger", "direction": "in", "queueName": "enriched"}],
    },
    {
        "name": "nightly",
        "bindings": [{"name": "t", "type": "timerTrigger", "direction": "in", "schedule": "0 0 2 * * *"}],
    },
]


def host_start(at: datetime = START) -> JournalEntry:
    """The entry a host writes when it starts: its declared functions."""
    return JournalEntry("host.start", data={"functions": FUNCTIONS}, at=at)


def order_flow(i: int, *, fail: bool = False, at: datetime | None = None) -> list[JournalEntry]:
    """Everything the journal records for order ``i``: in, ingest (entity, output), out, end (or poison)."""
    t = at or START + timedelta(seconds=1 + i)
    cid, inv, mid = f"cid-{i:05d}", f"inv-{i:05d}", f"msg-{i:05d}"
    body = json.dumps({"order_id": i, "amount": 10 * i, "customer": f"c{i % 7}"})
    same = {"correlation_id": cid, "invocation_id": inv}
    entries = [
        JournalEntry("message.in", function="ingest", queue="orders", message_id=mid, correlation_id=cid, at=t,
                     data={"body": body, "dequeue_count": 1}),
        JournalEntry("invocation.start", function="ingest", queue="orders", message_id=mid, at=t,
                     data={"trigger": "queue", "dequeue_count": 1}, **same),
        JournalEntry("operation.start", function="ingest", at=t, data={"operation": "transform_order"}, **same),
        JournalEntry("operation.end", function="ingest", at=t + timedelta(milliseconds=4), status=None,
                     data={"operation": "transform_order", "duration_ms": 4.0 + i % 3, "ok": not fail,
                           "error": "ValueError: amount missing" if fail else None}, **same),
    ]  # fmt: skip
    if fail:
        end = {"trigger": "queue", "duration_ms": 6.0, "outputs": [], "error": "ValueError: amount missing"}
        return [
            *entries,
            JournalEntry("invocation.end", function="ingest", queue="orders", status="error", message_id=mid,
                         at=t + timedelta(milliseconds=6), data=end, **same),
            JournalEntry("message.poison", queue="orders", message_id=mid, correlation_id=cid,
                         at=t + timedelta(milliseconds=7), data={"body": body, "error": "ValueError: amount missing"}),
        ]  # fmt: skip
    out = json.dumps({"order_id": i, "enriched": True})
    return [
        *entries,
        JournalEntry("entity.persisted", function="ingest", at=t + timedelta(milliseconds=5),
                     data={"entity_id": f"ent-{i}", "canonical_type": "order", "source": "shop", "version": 1,
                           "tenant_id": "acme"}, **same),
        JournalEntry("message.out", function="ingest", queue="enriched", message_id=f"out-{i:05d}",
                     at=t + timedelta(milliseconds=6), data={"body": out}, **same),
        JournalEntry("invocation.end", function="ingest", queue="orders", status="ok", message_id=mid,
                     at=t + timedelta(milliseconds=8),
                     data={"trigger": "queue", "duration_ms": 8.0 + i % 5, "outputs": []}, **same),
    ]  # fmt: skip


def write(journal: Journal, entries: list[JournalEntry]) -> None:
    """Append and flush now (the journal's own batching, without waiting for its writer thread)."""
    for entry in entries:
        journal.append(replace(entry, pid=PID))
    journal.flush()


def write_orders(journal: Journal, first: int, count: int, *, fail_every: int = 0) -> None:
    """Order flows ``first`` .. ``first + count - 1``; every ``fail_every``-th one fails."""
    entries: list[JournalEntry] = []
    for i in range(first, first + count):
        entries += order_flow(i, fail=bool(fail_every) and i % fail_every == 0)
    write(journal, entries)


async def wait_for(pilot: Pilot[object], condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``condition`` holds; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.05)


def shown(static: Static, width: int = 120) -> str:
    """The plain text a Static shows (its rich renderable, rendered)."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()
