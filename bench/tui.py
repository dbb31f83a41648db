"""The TUI under load: key-press-to-repaint time and memory with a large journal that keeps growing.

A journal is filled with ``--entries`` events (order flows of 7 entries: message in, invocation start, operation
start/end, entity, message out, invocation end); a separate writer process keeps appending ``--rate`` entries a
second through the real Journal while the TUI runs headless under Pilot. Each key press (tab switches, cursor
moves, paging, a filter keystroke that rebuilds the Messages table) is timed until the app is idle and the screen
is refreshed. Memory is the TUI process's RSS.

    .venv/bin/python bench/tui.py [--entries 10000] [--rate 150] [--presses 200]
    .venv/bin/python bench/tui.py --soak 600     # memory over ten minutes instead
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "cli" / "tui"))

from tui_traffic import host_start, order_flow, write  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from report import figure  # noqa: E402

from emulator.journal.store import Journal  # noqa: E402
from exchange_cli.tui import make_app  # noqa: E402
from exchange_cli.tui.target import TuiTarget  # noqa: E402

KEYS = ["2", "down", "down", "pageup", "end", "4", "1", "down", "6", "up", "2", "home", "3", "5", "2"]
WRITER = """
import sys, time
from datetime import UTC, datetime
sys.path.insert(0, {traffic!r})
from tui_traffic import order_flow
from emulator.journal.store import Journal
journal, i, per_flow = Journal({path!r}), {first}, 7
while True:
    for entry in order_flow(i, at=datetime.now(UTC), fail=i % 50 == 0):
        journal.append(entry)
    i += 1
    time.sleep(per_flow / {rate})
"""


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process, in MiB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def fill(path: Path, entries: int) -> tuple[int, int]:
    """About ``entries`` events (whole flows), recent enough to survive pruning. Returns (flows, entries)."""
    journal = Journal(path)
    flows = entries // 7
    start = datetime.now(UTC) - timedelta(seconds=flows / 100)
    write(journal, [host_start(start)])
    written = 1
    for first in range(0, flows, 1000):
        batch = [e for i in range(first, min(flows, first + 1000))
                 for e in order_flow(i, at=start + timedelta(milliseconds=10 * i), fail=i % 50 == 0)]  # fmt: skip
        write(journal, batch)
        written += len(batch)
    journal.close()
    return flows, written


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def baseline(presses: int) -> list[float]:
    """The same press-and-refresh loop on a one-widget app: what Pilot and this machine cost by themselves."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("bare")

    timings: list[float] = []
    async with Bare().run_test(size=(120, 40)) as pilot:
        for _ in range(presses):
            t0 = time.perf_counter()
            await pilot.press("down")
            await pilot.pause()
            timings.append((time.perf_counter() - t0) * 1000)
    return timings


async def measure(target: TuiTarget, entries: int, presses: int) -> dict[str, object]:
    app = make_app(target)
    before = rss_mb()[0]
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.perf_counter()
        while app.model.entries_seen < entries:
            await pilot.pause(0.05)
        caught_up = time.perf_counter() - started
        timings: list[float] = []
        for n in range(presses):
            key = KEYS[n % len(KEYS)]
            t0 = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()  # idle, then the screen's refresh
            timings.append((time.perf_counter() - t0) * 1000)
        await pilot.press("2", "slash")
        filter_ms: list[float] = []
        for char in "status:error" + "\b" * 12:
            t0 = time.perf_counter()
            await pilot.press("backspace" if char == "\b" else char)
            await pilot.pause()
            filter_ms.append((time.perf_counter() - t0) * 1000)
        seen = app.model.entries_seen
        rows = app.query_one("MessagesView").table.row_count  # type: ignore[attr-defined]
    now, peak = rss_mb()
    return {"caught_up_s": caught_up, "keys": timings, "filter": filter_ms, "seen": seen, "rows": rows,
            "rss_before": before, "rss_after": now, "rss_peak": peak}  # fmt: skip


async def soak(target: TuiTarget, seconds: float, sample_every: float = 30.0) -> list[tuple[float, float]]:
    """Keep the app running under traffic for ``seconds``, a key press a second (tabs, cursor, paging); RSS
    samples (seconds since start, MiB) every ``sample_every``. Flat means the rings and caches are bounded."""
    app = make_app(target)
    samples: list[tuple[float, float]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.perf_counter()
        next_sample, n = 0.0, 0
        while (elapsed := time.perf_counter() - started) < seconds:
            if elapsed >= next_sample:
                samples.append((elapsed, rss_mb()[0]))
                next_sample += sample_every
            await pilot.press(KEYS[n % len(KEYS)])
            n += 1
            await pilot.pause(1.0)
        samples.append((time.perf_counter() - started, rss_mb()[0]))
    return samples


def run_soak(path: Path, tmp: str, seconds: float) -> None:
    """``--soak``: memory over a long run; the baseline is the RSS after a minute of warm-up."""
    samples = asyncio.run(soak(TuiTarget(Path(tmp), path), seconds))
    warm = next((mib for at, mib in samples if at >= min(60.0, seconds / 2)), samples[-1][1])
    end = samples[-1][1]
    print("TUI RSS over the soak (s, MiB): " + ", ".join(f"{at:.0f}:{mib:.0f}" for at, mib in samples))
    figure("TUI soak: memory at the end", end, "MiB", baseline=warm, baseline_name="after warm-up",
           target="<= 1.15x", holds=end <= 1.15 * warm)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=150.0, help="entries a second appended while measuring")
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--soak", type=float, default=0.0, metavar="SECONDS",
                        help="instead: run this long under traffic, a key a second, and sample RSS")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.db"
        flows, written = fill(path, args.entries)
        code = WRITER.format(traffic=str(ROOT / "tests" / "cli" / "tui"), path=str(path), first=flows, rate=args.rate)
        writer = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
        try:
            if args.soak:
                run_soak(path, tmp, args.soak)
                return
            result = asyncio.run(measure(TuiTarget(Path(tmp), path), written, args.presses))
        finally:
            writer.terminate()
            writer.wait(10)
    bare = asyncio.run(baseline(50))
    keys, flt = result["keys"], result["filter"]
    assert isinstance(keys, list) and isinstance(flt, list)
    print(f"journal: {written} entries, writer appending ~{args.rate:.0f}/s; caught up in "
          f"{result['caught_up_s']:.2f} s; {result['seen']} entries seen by the end; "
          f"Messages table {result['rows']} rows")  # fmt: skip
    print(f"key press -> repaint ({len(keys)} presses: tabs, cursor, paging): "
          f"median {statistics.median(keys):.1f} ms, p95 {percentile(keys, 0.95):.1f} ms, "
          f"worst {max(keys):.1f} ms")  # fmt: skip
    print(f"baseline, a one-widget app on this machine: median {statistics.median(bare):.1f} ms, "
          f"worst {max(bare):.1f} ms (load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    print(f"filter keystroke (rebuilds the Messages table): median {statistics.median(flt):.1f} ms, "
          f"worst {max(flt):.1f} ms")  # fmt: skip
    print(f"TUI process RSS: {result['rss_before']:.0f} MiB before the app, {result['rss_after']:.0f} MiB after, "
          f"peak {result['rss_peak']:.0f} MiB")  # fmt: skip
    median, p95, bare_median = statistics.median(keys), percentile(keys, 0.95), statistics.median(bare)
    figure("TUI key press -> repaint, median", median, "ms", baseline=bare_median, baseline_name="one-widget app",
           target="<= 50 ms", holds=median <= 50)  # fmt: skip
    figure("TUI key press -> repaint, p95", p95, "ms", baseline=percentile(bare, 0.95),
           baseline_name="one-widget app", target="<= 150 ms", holds=p95 <= 150)  # fmt: skip


if __name__ == "__main__":
    main()
