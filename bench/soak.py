"""Soak: a steady rate of orders through ``exchange dev`` for minutes; memory and the journal must stay bounded.

Orders flow through the three-stage pipeline app (tests/faults/apps/pipeline: each stage persists an entity, the
last routes nowhere, so no queue grows). Every ``--sample`` seconds it prints the resident memory (VmRSS from
/proc) of the supervisor and of each worker, the journal's row count against its retention (``--journal-keep``)
and the backlog. At the end it checks that memory stayed flat after the warm-up (within ``--tolerance``).

    .venv/bin/python bench/soak.py [--minutes 10] [--rate 20] [--workers 2] [--journal-keep 20000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulator import azurite  # noqa: E402
from emulator.client.queues import send  # noqa: E402
from tests.cli.dev_support import DevProcess, wait_for  # noqa: E402
from tests.faults.support import (  # noqa: E402
    Pipeline,
    children,
    make_pipeline,
    queue_length,
    rss_kib,
    running_workers,
)


@dataclass
class Sample:
    """One look at the running host."""

    at_s: float
    supervisor_kib: int
    workers_kib: list[int]
    journal_rows: int
    backlog: int
    sent: int


def journal_rows(path: Path) -> int:
    """Rows in the journal file now."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
    finally:
        conn.close()


class Sender(threading.Thread):
    """Sends ``rate`` orders a second, one batch a second, until stopped."""

    def __init__(self, storage: str, queue: str, rate: int) -> None:
        super().__init__(daemon=True)
        self.storage, self.queue, self.rate = storage, queue, rate
        self.sent = 0
        self.stop = threading.Event()

    def run(self) -> None:
        next_at = time.monotonic()
        while not self.stop.is_set():
            bodies = [json.dumps({"id": f"soak-{self.sent + n:07d}", "kind": "ok"}) for n in range(self.rate)]
            send(self.storage, self.queue, bodies)
            self.sent += len(bodies)
            next_at += 1.0
            self.stop.wait(max(0.0, next_at - time.monotonic()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=20, help="orders per second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--journal-keep", type=int, default=20_000)
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--warm-up", type=float, default=120.0, help="seconds before memory must be flat")
    parser.add_argument("--tolerance", type=float, default=0.15, help="allowed growth of memory after warm-up")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="exchange-soak-"))
    proc = azurite.start(root / "azurite")
    try:
        samples = soak(args, root, proc.endpoints.connection_string)
    finally:
        proc.stop()
        shutil.rmtree(root, ignore_errors=True)
    return verdict(samples, args)


def soak(args: argparse.Namespace, root: Path, storage: str) -> list[Sample]:
    pipeline = make_pipeline(root / "pipeline", work_s=0.0)
    extra = ["--workers", str(args.workers), "--journal-keep", str(args.journal_keep), "--no-reload"]
    dev = DevProcess(pipeline.path, storage, *extra, "--database-url", f"sqlite:///{root / 'soak.db'}")
    sender = Sender(storage, pipeline.queues[0], args.rate)
    samples: list[Sample] = []
    try:
        dev.wait_for_log("generation 1:", timeout=120)
        print(
            f"$ .venv/bin/python bench/soak.py --minutes {args.minutes:g} --rate {args.rate} "
            f"--workers {args.workers} --journal-keep {args.journal_keep}"
        )
        print(
            f"{'t (s)':>6} {'supervisor MiB':>15} {'workers MiB':>22} {'journal rows':>13} {'backlog':>8} {'sent':>7}"
        )
        # the workers now: their host.start entries are pruned from the journal later in the run
        workers = wait_for(
            lambda: (
                (found := [p for p in running_workers(pipeline.journal) if p in descendants(dev.proc.pid)])
                and len(found) == args.workers
                and found
            ),
            what="every worker's host.start entry",
        )
        sender.start()
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < args.minutes * 60:
            time.sleep(args.sample)
            samples.append(look(dev, pipeline, workers, storage, elapsed + args.sample, sender.sent))
            show(samples[-1])
    finally:
        sender.stop.set()
        dev.close()
    return samples


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``: workers are forked by the fork server, the supervisor's child."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        below = children(todo.pop())
        found.update(below)
        todo += below
    return found


def look(dev: DevProcess, pipeline: Pipeline, workers: list[int], storage: str, at_s: float, sent: int) -> Sample:
    """Memory of the supervisor and of its running workers (not the idle warm spares), journal, backlog."""
    own = descendants(dev.proc.pid)
    journal_path = pipeline.path / ".exchange" / "journal.db"
    return Sample(
        at_s=at_s,
        supervisor_kib=rss_kib(dev.proc.pid),
        workers_kib=[rss_kib(pid) for pid in workers if pid in own],
        journal_rows=journal_rows(journal_path),
        backlog=sum(queue_length(storage, q) for q in pipeline.queues),
        sent=sent,
    )


def show(s: Sample) -> None:
    workers = " ".join(f"{kib / 1024:.0f}" for kib in s.workers_kib)
    memory = f"{s.supervisor_kib / 1024:>15.1f} {workers:>22}"
    print(f"{s.at_s:>6.0f} {memory} {s.journal_rows:>13} {s.backlog:>8} {s.sent:>7}", flush=True)


def verdict(samples: list[Sample], args: argparse.Namespace) -> int:
    """0 when memory stayed flat after the warm-up and the journal near its retention; else 1."""
    warm = [s for s in samples if s.at_s >= args.warm_up]
    if len(warm) < 2:
        print("too short to judge: run longer than the warm-up")
        return 1
    first, last = warm[0], warm[-1]
    ok = True
    for name, before, after in [
        ("supervisor", first.supervisor_kib, last.supervisor_kib),
        ("workers", sum(first.workers_kib), sum(last.workers_kib)),
    ]:
        growth = (after - before) / before if before else 0.0
        flat = growth <= args.tolerance
        ok &= flat
        change = f"{before / 1024:.1f} -> {after / 1024:.1f} MiB after warm-up ({growth:+.1%})"
        print(f"{name}: {change} {'ok' if flat else 'GREW'}")
    peak = max(s.journal_rows for s in samples)
    retention = f"retention {args.journal_keep} (pruned about once a minute)"
    print(f"journal: peak {peak} rows, last {last.journal_rows}, {retention}")
    print(f"backlog at the end: {last.backlog} (median {statistics.median(s.backlog for s in warm):.0f})")
    sys.path.insert(0, str(ROOT / "bench"))
    from report import figure

    for name, before, after in [
        ("supervisor", first.supervisor_kib, last.supervisor_kib),
        ("workers", sum(first.workers_kib), sum(last.workers_kib)),
    ]:
        growth = (after - before) / before if before else 0.0
        figure(f"soak: {name} memory at the end", after / 1024, "MiB", baseline=before / 1024,
               baseline_name="after warm-up", target=f"<= {1 + args.tolerance:.2f}x",
               holds=growth <= args.tolerance)  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
