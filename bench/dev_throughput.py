"""Throughput end to end: a pass-through queue function under the real `exchange dev` command, against raw SDK loops.

All on one Azurite started here, in one run, on the same backlog size (`--messages` of ~200 bytes), each run on a
fresh queue pair that is deleted afterwards (Azurite slows as stored messages pile up):

- sync: 16 threads, each with its own clients: receive 16, send each body on, delete it;
- async: one event loop with the host's concurrency (receive 16, receive again at 8 in flight), send on, delete;
- dev: `exchange dev --no-tui --no-reload` in a subprocess on `tests/emulator/apps/passthrough` (the same work
  through the host: receive, invoke the function, `$return` to the output queue, delete); its rate is taken from
  its journal, first invocation start to last invocation end, so start-up is not counted.

The figure is dev / the faster raw loop, per round (the order of the three rotates), median over `--repeats`.
Target (issue 13): >= 0.95. `--exchange CHECKOUT` measures another checkout's `exchange dev` in the same rounds.
`--tuned` adds a fourth loop, the async one with its clients configured as the host's own clients of a local
endpoint are (no proxy/netrc lookup per request), and prints dev's ratio to it as well (not the figure).

    .venv/bin/python bench/dev_throughput.py [--messages 800] [--repeats 3] [--exchange ../main-worktree]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from report import figure  # noqa: E402
from scaleout import journal_span  # noqa: E402
from throughput import fill, raw_loop  # noqa: E402

from emulator import azurite  # noqa: E402

APP = ROOT / "tests" / "emulator" / "apps" / "passthrough"
TARGET = 0.95
THREADS = 16
BATCH = 16


def sync_loop(conn: str, source: str, target: str, count: int) -> float:
    """Messages per second of ``THREADS`` threads each receiving 16, sending each on and deleting it."""
    from azure.storage.queue import QueueClient

    QueueClient.from_connection_string(conn, target).create_queue()
    done = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal done
        src = QueueClient.from_connection_string(conn, source)
        dst = QueueClient.from_connection_string(conn, target)
        while done < count:
            page = src.receive_messages(messages_per_page=BATCH, max_messages=BATCH, visibility_timeout=30)
            for message in next(page.by_page(), []):
                dst.send_message(message.content)
                src.delete_message(message)
                with lock:
                    done += 1

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count / (time.perf_counter() - started)


def dev_run(checkout: Path, root: Path, conn: str, source: str, target: str, count: int) -> float:
    """Messages per second of ``checkout``'s `exchange dev` working off the backlog already on ``source``."""
    app = root / source
    shutil.copytree(APP, app)
    (app / "host.json").write_text(json.dumps({"version": "2.0"}))
    values = {"FUNCTIONS_WORKER_RUNTIME": "python", "IN_QUEUE": source, "OUT_QUEUE": target}
    (app / "local.settings.json").write_text(json.dumps({"IsEncrypted": False, "Values": values}))
    python = checkout / ".venv" / "bin" / "python"
    args = [str(python), "-m", "exchange_cli", "dev", str(app), "--no-tui", "--no-reload"]
    args += ["--port", str(azurite.free_port()), "--storage", conn]
    journal = app / ".exchange" / "journal.db"
    with (root / f"{source}.log").open("wb") as log:
        proc = subprocess.Popen(args, cwd=root, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.25)  # a benchmark polling the journal file, not a test waiting on a condition
                if finished(journal) >= count:
                    break
        finally:
            proc.terminate()
            proc.wait(60)
    done, seconds = journal_span(journal)
    return done / seconds if seconds else 0.0


def finished(journal: Path) -> int:
    """Invocations finished so far (0 while the journal is being created)."""
    try:
        return journal_span(journal)[0] if journal.exists() else 0
    except sqlite3.OperationalError:
        return 0


def delete_queues(conn: str, *queues: str) -> None:
    from azure.core.exceptions import ResourceNotFoundError
    from azure.storage.queue import QueueClient

    for queue in queues:
        with contextlib.suppress(ResourceNotFoundError):
            QueueClient.from_connection_string(conn, queue).delete_queue()


def measure(conn: str, count: int, run: Callable[[str, str], float]) -> float:
    source = f"b{uuid.uuid4().hex[:12]}"
    target = f"{source}-out"
    asyncio.run(fill(conn, source, count))
    try:
        return run(source, target)
    finally:
        delete_queues(conn, source, target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=800)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--exchange", type=Path, action="append", default=[], help="another checkout to measure")
    parser.add_argument("--tuned", action="store_true", help="also race an async loop configured like the host")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-dev-throughput-"))
    store = azurite.start(root / "azurite")
    conn, count = store.endpoints.connection_string, args.messages
    checkouts = [ROOT, *args.exchange]
    runs: dict[str, Callable[[str, str], float]] = {
        "sync": lambda s, t: sync_loop(conn, s, t, count),
        "async": lambda s, t: asyncio.run(raw_loop(conn, s, t, count)),
    }
    if args.tuned:
        runs["tuned"] = lambda s, t: asyncio.run(raw_loop(conn, s, t, count, use_env_settings=False))
    for checkout in checkouts:
        runs[str(checkout)] = lambda s, t, c=checkout: dev_run(c, root, conn, s, t, count)  # type: ignore[misc]
    rates: dict[str, list[float]] = {name: [] for name in runs}
    try:
        for index in range(args.repeats):
            names = list(runs)
            for name in names[index % len(names) :] + names[: index % len(names)]:
                rates[name].append(measure(conn, count, runs[name]))
            print(f"round {index + 1}: " + ", ".join(f"{Path(n).name} {r[-1]:.0f}/s" for n, r in rates.items()))
    finally:
        store.stop()
        shutil.rmtree(root, ignore_errors=True)
    best = [max(s, a) for s, a in zip(rates["sync"], rates["async"], strict=True)]
    for checkout in checkouts:
        ratios = [d / b for d, b in zip(rates[str(checkout)], best, strict=True)]
        ratio = statistics.median(ratios)
        print(f"{checkout}: exchange dev / faster raw loop: median {ratio:.2f} (rounds: {_rounded(ratios)})")
        if args.tuned:
            tuned = [d / t for d, t in zip(rates[str(checkout)], rates["tuned"], strict=True)]
            median = statistics.median(tuned)
            print(f"{checkout}: exchange dev / tuned async loop: median {median:.2f} (rounds: {_rounded(tuned)})")
        where = "" if checkout == ROOT else f" [{checkout.name}]"
        figure(
            f"exchange dev pass-through, msg/s{where}",
            statistics.median(rates[str(checkout)]),
            "msg/s",
            baseline=statistics.median(best),
            baseline_name=f"faster of sync x{THREADS} / async SDK loop",
            ratio=ratio,
            target=f">= {TARGET}x",
            holds=ratio >= TARGET,
        )


def _rounded(values: list[float]) -> list[float]:
    return [round(value, 2) for value in values]


if __name__ == "__main__":
    main()
