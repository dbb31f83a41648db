"""Scale-out: throughput of ``exchange dev --workers N`` (1, 2, 4) on SQLite and PostgreSQL, next to the raw SDK
loop's ceiling, all on one Azurite started here on free ports.

Each run gets a fresh deployment of the ``orders`` processor (persist the order as an entity, route it on) and a
backlog of ``--messages`` orders on a fresh queue; the rate is orders per second between the first invocation's
start and the last one's end in the journal (worker start-up is not counted). The raw loop receives, sends each
body on and deletes, with the host's batch sizes: the queue service's ceiling for the same traffic.

    .venv/bin/python bench/scaleout.py [--messages 800] [--workers 1,2,4] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from throughput import fill, raw_loop  # noqa: E402  (bench/ is not a package)

from emulator import azurite  # noqa: E402
from emulator.client.queues import send  # noqa: E402

APP = ROOT / "tests" / "cli" / "apps" / "orders"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def deployment(root: Path, queue: str) -> Path:
    """A fresh copy of the orders app reading ``queue``."""
    target = root / queue
    shutil.copytree(APP, target)
    (target / "host.json").write_text(json.dumps({"version": "2.0"}))
    values = {"FUNCTIONS_WORKER_RUNTIME": "python", "IN_QUEUE": queue, "OUT_QUEUE": f"{queue}-out", "TENANT_ID": queue}
    (target / "local.settings.json").write_text(json.dumps({"IsEncrypted": False, "Values": values}))
    return target


def journal_span(journal: Path) -> tuple[int, float]:
    """Finished invocations and seconds from the first start to the last end."""
    conn = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    try:
        first, last, count = conn.execute(
            "SELECT MIN(CASE WHEN kind = 'invocation.start' THEN at END), "
            "MAX(CASE WHEN kind = 'invocation.end' THEN at END), "
            "SUM(kind = 'invocation.end' AND status = 'ok') FROM entries"
        ).fetchone()
    finally:
        conn.close()
    if not first or not last:
        return 0, 0.0
    return int(count or 0), (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()


def run_dev(root: Path, storage: str, database_url: str, workers: int, messages: int) -> float:
    """Orders per second of ``exchange dev --workers N`` working off a backlog of ``messages``."""
    queue = f"scale-{uuid.uuid4().hex[:12]}"
    app = deployment(root, queue)
    body = {"id": "", "total": 42, "lines": [{"sku": "A-1", "qty": 2}]}
    send(storage, queue, [json.dumps({**body, "id": f"o-{n}"}) for n in range(messages)])
    args = [
        sys.executable,
        "-m",
        "exchange_cli",
        "dev",
        str(app),
        "--no-tui",
        "--no-reload",
        "--port",
        str(azurite.free_port()),
    ]
    args += ["--storage", storage, "--database-url", database_url, "--workers", str(workers)]
    log = (root / f"{queue}.log").open("wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    journal = app / ".exchange" / "journal.db"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if journal.exists() and journal_span(journal)[0] >= messages:
                break
            if proc.poll() is not None:
                raise SystemExit(f"exchange dev exited: see {log.name}")
    finally:
        proc.terminate()
        proc.wait(60)
        log.close()
    time.sleep(0.3)
    done, seconds = journal_span(journal)
    return done / seconds if seconds else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=800)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--postgres", default=os.environ.get("EXCHANGE_TEST_DATABASE_URL", POSTGRES))
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    root = Path(tempfile.mkdtemp(prefix="exchange-scaleout-"))
    with ExitStack() as stack:
        proc = azurite.start(root / "azurite")
        stack.callback(proc.stop)
        storage = proc.endpoints.connection_string
        ceiling = raw_ceiling(storage, args.messages)
        backends = {"sqlite": lambda: f"sqlite:///{root / f'{uuid.uuid4().hex[:8]}.db'}"}
        if not args.no_postgres:
            from emulator.testing.plugin import postgres_schema

            schema_url = stack.enter_context(postgres_schema(args.postgres))
            backends["postgresql"] = lambda: schema_url
        rows = {
            name: [run_dev(root, storage, url(), n, args.messages) for n in counts] for name, url in backends.items()
        }
    print_table(rows, counts, ceiling, args)
    shutil.rmtree(root, ignore_errors=True)


def raw_ceiling(storage: str, messages: int) -> float:
    """The raw SDK loop's messages per second on the same Azurite and backlog size."""
    source, target = f"raw-{uuid.uuid4().hex[:10]}", f"raw-{uuid.uuid4().hex[:10]}-out"
    asyncio.run(fill(storage, source, messages))
    return asyncio.run(raw_loop(storage, source, target, messages))


def print_table(rows: dict[str, list[float]], counts: list[int], ceiling: float, args: argparse.Namespace) -> None:
    command = f".venv/bin/python bench/scaleout.py --messages {args.messages} --workers {args.workers}"
    print(f"\n$ {command}{' --no-postgres' if args.no_postgres else ''}")
    print(f"orders/s (persist entity + route on), {args.messages} orders per run, {os.cpu_count()} CPUs\n")
    print(f"{'database':<12}" + "".join(f"{f'{n} worker(s)':>14}" for n in counts))
    for name, rates in rows.items():
        print(f"{name:<12}" + "".join(f"{rate:>14.0f}" for rate in rates))
    print(f"{'raw SDK loop':<12}{ceiling:>14.0f}   (receive, send on, delete; no function, no database)")
    from report import figure

    for name, rates in rows.items():
        for n, rate in zip(counts, rates, strict=True):
            figure(f"scale-out {name}, {n} worker(s), orders/s", rate, "orders/s", baseline=ceiling,
                   baseline_name="raw SDK loop")  # fmt: skip


if __name__ == "__main__":
    main()
