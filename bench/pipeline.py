"""The demo pipeline end to end, and a retry storm, on a host in this process against its own Azurite.

Latency: ``--orders`` orders POSTed one at a time to the demo's ``/api/orders``; for each, the time from the POST
to the end of the barista's invocation that stored it (HTTP → coffee-orders → barista-queue → entity), against the
sum of the three functions' own durations for that order (from the journal, same run).

Storm: ``--storm`` messages whose processor fails twice each (a TimeoutError) with a 1 s backoff, then succeeds.
Reported: wall time until every message is stored, busy worker threads (the functions' summed durations / wall
time, and the most invocations running at once), and messages lost (never stored, or in a poison/dead-letter
queue). The same app runs on older framework code (no ``source_queue``): there the retries sleep inside the
invocation. To compare with main, run this file with main's packages first on the path:

    .venv/bin/python bench/pipeline.py [--orders 200] [--storm 500] [--only latency|storm]
    git worktree add /tmp/main-9198e54 9198e54
    PYTHONPATH=/tmp/main-9198e54 .venv/bin/python bench/pipeline.py --only storm
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from report import figure

from emulator import azurite
from emulator.client.queues import send
from emulator.journal.store import JournalEntry
from emulator.testing.host import RunningHost, running, wait_for
from emulator.triggers.http.server import HttpOptions, HttpServer

STORM_APP = """
import os, time
import azure.functions as func
from framework import (Message, ProcessingResult, ProcessorConfig, ProcessorContext, ProcessorInterface,
                       RetryPolicy, create_processor_handler, tenant_context)

app = func.FunctionApp()

class FailsTwice(ProcessorInterface):
    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        if message.retry_count < 2:
            raise TimeoutError("the partner API did not answer")
        entity_id = context.persist_entity(str(message.payload["id"]), "storm", "bench", message.payload)
        return ProcessingResult.create_success(entities_created=[entity_id])

on_the_queue = "source_queue" in ProcessorConfig.__dataclass_fields__  # main's code retries by sleeping
config = ProcessorConfig(
    processor_name="storm", tenant_id="storm", dead_letter_queue="storm-dead",
    retry_policy=RetryPolicy(max_attempts=3, base_delay_s=1, multiplier=1, jitter=False),
    **({"source_queue": "storm-in"} if on_the_queue else {}),
)
handler = create_processor_handler(processor=FailsTwice(), config=config)

@app.function_name(name="storm")
@app.queue_trigger(arg_name="msg", queue_name="storm-in", connection="AzureWebJobsStorage")
def storm(msg: func.QueueMessage) -> None:
    with tenant_context("storm"):
        handler.execute(Message.create_from_queue_data(msg.get_json()))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def demo_deployment(root: Path) -> Path:
    """The demo's workspace, its timer off (it would add orders of its own)."""
    from exchange_cli.demo.workspace import build
    from exchange_cli.scaffold.workspace import deployment_dir

    build(root / "demo")
    app = deployment_dir(root / "demo", "coffee-shop")
    settings = json.loads((app / "local.settings.json").read_text())
    settings["Values"]["AzureWebJobs.daily_special.Disabled"] = "true"
    (app / "local.settings.json").write_text(json.dumps(settings))
    return app


def post(port: int, order: dict[str, Any]) -> tuple[datetime, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/orders", data=json.dumps(order).encode(), method="POST"
    )
    sent = datetime.now(UTC)
    with urllib.request.urlopen(request, timeout=10) as response:
        return sent, str(json.loads(response.read())["correlation_id"])


def latency(conn: str, root: Path, orders: int) -> None:
    app = demo_deployment(root)
    port = free_port()
    with running(app, conn, runners=[HttpServer(HttpOptions(port=port))]) as run:
        post(port, {"id": 0, "drink_type": "latte"})  # warm up: imports, database, queues
        wait_for(lambda: barista_ends(run), 30, "the warm-up order")
        samples: list[tuple[float, float]] = []
        for n in range(1, orders + 1):
            sent, cid = post(port, {"id": n, "drink_type": "latte", "size": "medium"})
            end = wait_for(lambda cid=cid: barista_ends(run, cid), 30, f"order {n} to be stored")[0]
            own = sum(float(e.data["duration_ms"]) for e in run.entries(kinds=["invocation.end"], correlation_id=cid))
            samples.append(((end.at - sent).total_seconds() * 1000, own))
    e2e, own = [s[0] for s in samples], [s[1] for s in samples]
    print(f"demo pipeline, {orders} orders one at a time (POST -> orders -> coffee-orders -> coffee_order ->")
    print("  barista-queue -> barista stored the entity):")
    print(f"  end to end:               median {statistics.median(e2e):6.1f} ms, p90 {percentile(e2e, 0.9):6.1f} ms")
    print(f"  functions' own durations: median {statistics.median(own):6.1f} ms, p90 {percentile(own, 0.9):6.1f} ms")
    print(f"  overhead (e2e - own):     median {statistics.median(a - b for a, b in samples):6.1f} ms")
    figure("demo order, HTTP POST to stored entity (median)", statistics.median(e2e), "ms",
           baseline=statistics.median(own), baseline_name="the three functions' own durations")  # fmt: skip


def barista_ends(run: RunningHost, correlation_id: str | None = None) -> list[JournalEntry]:
    if run.host is not None and run.host.journal is not None:
        run.host.journal.flush()
    ends = run.entries(kinds=["invocation.end"], function="barista", correlation_id=correlation_id)
    return [e for e in ends if e.status == "ok"]


def storm(conn: str, root: Path, count: int) -> None:
    app = root / "storm"
    app.mkdir()
    (app / "function_app.py").write_text(STORM_APP)
    (app / "host.json").write_text(json.dumps({"version": "2.0"}))
    values = {"FUNCTIONS_WORKER_RUNTIME": "python", "DATABASE_URL": f"sqlite:///{app / 'storm.sqlite'}"}
    (app / "local.settings.json").write_text(json.dumps({"Values": values}))
    send(conn, "storm-in", [json.dumps({"id": n}) for n in range(count)])
    started = time.monotonic()
    with running(app, conn) as run:
        assert run.host is not None
        sampler = PoolSampler(run.host.invoker._executor)
        stored = wait_for(lambda: stored_ids(app) if len(stored_ids(app)) >= count else None, 900, "the storm")
        wall = time.monotonic() - started
        sampler.stop()
        if run.host is not None and run.host.journal is not None:
            run.host.journal.flush()
        ends = run.entries(kinds=["invocation.end"], function="storm")
        starts = run.entries(kinds=["invocation.start"], function="storm")
    from emulator.client.queues import peek

    lost = count - len(stored) + len(peek(conn, "storm-in-poison")) + len(peek(conn, "storm-dead"))
    busy_s = sum(float(e.data["duration_ms"]) for e in ends) / 1000
    print(f"retry storm: {count} messages, each failing twice with a 1 s backoff, then stored:")
    print(f"  wall time {wall:6.1f} s, invocations {len(ends)}, messages lost {lost}")
    print(
        f"  worker threads busy (sampled every 50 ms, pool of {sampler.size}): {sampler.mean_busy:5.2f} on average, "
        f"all {sampler.size} busy {sampler.saturated * 100:4.1f}% of the time"
    )
    print(f"  invocations: at most {peak(starts, ends)} at once; their summed durations {busy_s:7.1f} s")
    figure(f"retry storm ({count} messages, two 1 s backoffs each): messages lost", lost, "messages",
           target="0", holds=lost == 0)  # fmt: skip
    figure("retry storm: wall time until every message is stored", wall, "s", baseline=2.0,
           baseline_name="the two backoffs alone")  # fmt: skip


class PoolSampler:
    """Samples how many of the host's function threads are running a function: a thread of the pool is busy when
    its stack is inside a work item (``_WorkItem.run``), idle while it waits for one."""

    def __init__(self, executor: Any, interval: float = 0.05) -> None:
        import threading

        self.executor = executor
        self.size = int(executor._max_workers)
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        import sys

        while not self._stop.wait(interval):
            frames = sys._current_frames()
            busy = 0
            for thread in list(self.executor._threads):
                frame = frames.get(thread.ident or -1)
                while frame is not None and not _runs_work(frame):
                    frame = frame.f_back
                busy += frame is not None
            self.samples.append(busy)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mean_busy(self) -> float:
        return statistics.mean(self.samples) if self.samples else 0.0

    @property
    def saturated(self) -> float:
        return sum(1 for n in self.samples if n >= self.size) / len(self.samples) if self.samples else 0.0


def _runs_work(frame: Any) -> bool:
    code = frame.f_code
    return bool(code.co_name == "run" and code.co_filename.endswith("concurrent/futures/thread.py"))


def stored_ids(app: Path) -> set[str]:
    import sqlite3

    database = app / "storm.sqlite"
    if not database.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as db:
            return {r[0] for r in db.execute("SELECT external_id FROM entities WHERE canonical_type = 'storm'")}
    except sqlite3.OperationalError:
        return set()


def peak(starts: list[JournalEntry], ends: list[JournalEntry]) -> int:
    """The most invocations running at the same time."""
    moments = sorted([(e.at, 1) for e in starts] + [(e.at, -1) for e in ends])
    running_now = most = 0
    for _, step in moments:
        running_now += step
        most = max(most, running_now)
    return most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--storm", type=int, default=500)
    parser.add_argument("--only", choices=["latency", "storm"], default=None)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="exchange-pipeline-"))
    proc = azurite.start(root / "azurite")
    try:
        if args.only in (None, "latency"):
            latency(proc.endpoints.connection_string, root, args.orders)
        if args.only in (None, "storm"):
            storm(proc.endpoints.connection_string, root, args.storm)
    finally:
        proc.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
