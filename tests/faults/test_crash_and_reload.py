"""Nothing lost under ``exchange dev`` while workers are SIGKILLed and the code is reloaded under traffic.

Orders flow through a three-stage pipeline (receive -> enrich -> store); at the end every order is in exactly one
kind of place: processed (one entity per stage, version 1, thanks to duplicate detection), a poison queue or the
dead-letter queue. The journal shows that no message was ever run by two invocations at once (a SIGKILLed worker's
last journal entries are lost with it: the app's own unbuffered record of its code's runs says when those
invocations really ended).
"""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emulator.journal.store import JournalEntry
from tests.cli.dev_support import DevProcess, wait_for
from tests.faults.support import (
    STAGES,
    Ledger,
    Pipeline,
    Run,
    app_runs,
    kill,
    ledger,
    make_pipeline,
    order,
    overlaps,
    postgres_database,
    push,
    queue_length,
    running_workers,
    spans,
)

pytestmark = pytest.mark.subprocess

#: Short leases, so that a killed worker's messages come back within seconds (the default is 30 s); long enough
#: that a loaded two-core machine renews them in time.
LEASE_S = 4


@dataclass
class Chaos:
    """One run: how much traffic, how many kills and reloads, how many workers."""

    orders: int
    kills: int
    reloads: int
    workers: int
    #: Fraction of orders that fail validation (dead letter) and that crash the function (poison).
    invalid: float = 0.03
    crash: float = 0.03


def fates(chaos: Chaos, seed: int = 7) -> list[dict[str, str]]:
    """The orders, each with its fate drawn at random (reproducibly)."""
    rng = random.Random(seed)
    kinds = []
    for _ in range(chaos.orders):
        draw = rng.random()
        kinds.append("invalid" if draw < chaos.invalid else "crash" if draw < chaos.invalid + chaos.crash else "ok")
    return [order(i, kind) for i, kind in enumerate(kinds)]


def ended(journal_path: Path) -> int:
    """Invocations finished so far (any status)."""
    if not journal_path.exists():
        return 0
    conn = sqlite3.connect(f"file:{journal_path}?mode=ro", uri=True, timeout=5)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM entries WHERE kind = 'invocation.end'").fetchone()[0])
    finally:
        conn.close()


class Disruptor:
    """Kills a running worker, or edits function_app.py, and waits until the host serves again."""

    def __init__(self, dev: DevProcess, pipeline: Pipeline) -> None:
        self.dev = dev
        self.pipeline = pipeline
        self.killed_at: dict[int, datetime] = {}
        self.reloads = 0

    def kill_one(self, rng: random.Random) -> None:
        pids = wait_for(lambda: running_workers(self.pipeline.journal), what="a running worker")
        victim = rng.choice(pids)
        self.killed_at[victim] = datetime.now(UTC)
        kill(victim)
        wait_for(
            lambda: victim not in running_workers(self.pipeline.journal) and f"(pid {victim}) exited" in self.dev.log(),
            what=f"the supervisor to notice worker {victim} died",
        )

    def reload(self) -> None:
        self.reloads += 1
        app = self.pipeline.path / "function_app.py"
        app.write_text(app.read_text() + f"\n# reload {self.reloads}\n")
        self.dev.wait_for_log(f"generation {self.reloads + 1}:", timeout=60)


@dataclass
class Outcome:
    """What a run left behind."""

    orders: list[dict[str, str]]
    ledger: Ledger
    disruptor: Disruptor
    journal: list[JournalEntry]
    #: The app's own record of its code's runs, by invocation id.
    runs: dict[str, Run]


def run_chaos(chaos: Chaos, tmp_path: Path, storage: str, database_url: str, settle_s: float = 180) -> Outcome:
    pipeline = make_pipeline(tmp_path / "pipeline")
    orders = fates(chaos)
    args = ["--workers", str(chaos.workers), "--lease", str(LEASE_S), "--database-url", database_url]
    dev = DevProcess(pipeline.path, storage, *args, "--drain-timeout", "5")
    disruptor = Disruptor(dev, pipeline)
    rng = random.Random(11)
    plan = ["kill"] * chaos.kills + ["reload"] * chaos.reloads
    rng.shuffle(plan)
    chunks = [orders[i :: len(plan) + 1] for i in range(len(plan) + 1)]
    journal_path = pipeline.path / ".exchange" / "journal.db"
    try:
        dev.wait_for_log("generation 1:", timeout=60)
        for chunk, step in zip(chunks, [*plan, None], strict=True):
            before = ended(journal_path)
            push(storage, pipeline.queues[0], chunk)
            if step is None:
                break
            # disrupt while messages are in flight: once part of this chunk has been worked on
            wait_for(lambda b=before, c=chunk: ended(journal_path) >= b + len(c) // 3, 120, "traffic")
            disruptor.kill_one(rng) if step == "kill" else disruptor.reload()
        wait_for(lambda: settled(pipeline, storage, database_url, orders), settle_s, "every order to settle")
        assert dev.interrupt() == 0, dev.log()[-3000:]
    finally:
        dev.close()
    entries = pipeline.journal.read(limit=10_000_000)
    runs = app_runs(pipeline.runs_file)
    return Outcome(orders, ledger(pipeline, storage, database_url), disruptor, entries, runs)


def settled(pipeline: Pipeline, storage: str, database_url: str, orders: list[dict[str, str]]) -> bool:
    """All stage queues empty and every order accounted for."""
    if any(queue_length(storage, q) for q in pipeline.queues):
        return False
    found = ledger(pipeline, storage, database_url)
    return all(found.places(o["id"]) for o in orders)


EXPECTED = {"ok": "processed", "invalid": "dead-letter", "crash": "poison"}


def check(outcome: Outcome) -> None:
    """Every order in its one expected place, one entity version each, no message run twice at once."""
    found, orders, disruptor = outcome.ledger, outcome.orders, outcome.disruptor
    kills, reloads = len(disruptor.killed_at), disruptor.reloads
    runs = spans(outcome.journal, disruptor.killed_at, outcome.runs)
    again = sum(1 for e in outcome.journal if e.kind == "invocation.start" and (e.data.get("dequeue_count") or 1) > 1)
    lost = Counter(s.ended_by for s in runs if s.ended_by != "journal")
    print(
        f"\n{len(orders)} orders, {kills} workers killed, {reloads} reloads, {len(runs)} invocations "
        f"({again} redeliveries): {found.counts()}; ends not journaled: {dict(lost)}"
    )
    wrong = {o["id"]: found.places(o["id"]) for o in orders if set(found.places(o["id"])) != {EXPECTED[o["kind"]]}}
    assert not wrong, f"orders not in exactly their one expected place: {dict(list(wrong.items())[:10])}"
    repeated = {o["id"]: found.places(o["id"]) for o in orders if len(found.places(o["id"])) > 1}
    # a kill between sending to poison/dead-letter and deleting the original repeats it (at least once)
    assert len(repeated) <= len(disruptor.killed_at), repeated
    ok = [o["id"] for o in orders if o["kind"] == "ok"]
    assert all(found.entity_rows[(stage, i)] == 1 for stage in STAGES for i in ok)
    assert set(found.versions) == {1}, "a redelivered message made a new entity version"
    # the app's record is complete wherever the journal is (and so not vacuous): every invocation the journal saw
    # end has a run that ended; one still running after its invocation ended would be a host that let go too soon
    finished = {i for i, run in outcome.runs.items() if run.end is not None}
    unrecorded = [s for s in runs if s.ended_by == "journal" and s.invocation_id not in finished]
    assert not unrecorded, f"invocations the app has no finished run of: {unrecorded[:3]}"
    clashes = overlaps(runs)
    assert not clashes, f"messages run by two invocations at once: {clashes[:3]}"


def test_no_order_is_lost_when_workers_are_killed_and_code_reloads_under_traffic(
    tmp_path: Path, storage_connection_string: str
) -> None:
    chaos = Chaos(orders=160, kills=2, reloads=2, workers=2)

    outcome = run_chaos(chaos, tmp_path, storage_connection_string, f"sqlite:///{tmp_path / 'pipeline.db'}")

    check(outcome)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_thousands_of_orders_survive_repeated_kills_and_reloads(
    tmp_path: Path, storage_connection_string: str, backend: str
) -> None:
    chaos = Chaos(orders=3000, kills=5, reloads=5, workers=3)

    with database(backend, tmp_path) as url:
        outcome = run_chaos(chaos, tmp_path, storage_connection_string, url, settle_s=900)

    check(outcome)


@contextmanager
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    """An SQLite file, or a schema of its own in the test PostgreSQL (skipped when there is none)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'pipeline.db'}"
        return
    with postgres_database() as url:
        yield url
