"""The TUI under load: key-press-to-repaint time and memory with a large journal that keeps growing.

A journal is filled with ``--entries`` events (order flows of 7 entries: message in, invocation start, operation
start/end, entity, message out, invocation end); a separate writer process keeps appending ``--rate`` entries a
second through the real Journal while the TUI runs headless. Each key press (tab switches, cursor moves, paging, a
filter keystroke that rebuilds the Messages table) is timed from the key event being handed to the app the way the
terminal driver hands it (``Driver.send_message``) to the frame that shows its effect being rendered to terminal
output: every frame the compositor sends to ``App._display`` is turned into its escape sequences here (what a real
driver would write; the headless driver writes nothing) and timestamped. A press is done when every widget has
handled what the key set off and the screen has nothing left to repaint; its time is that of the last frame
written since the key (or of that moment, if the key changed nothing visible). The screen's own 60 fps update
timer paces the frames, as in a terminal: nothing is forced.

Why not Pilot's ``press`` + ``pause``, as the first version did (still printed, as "old method"): ``pause`` waits
for the event loop to stay idle for a window of its own and then forces a refresh; the app's 4 Hz journal polling
keeps interrupting that window, so the old figure mostly measured the harness waiting, not the user's wait. The
same method is applied to a one-widget app as the baseline. Memory is the TUI process's RSS.

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
from rich.console import RenderableType  # noqa: E402
from textual import events  # noqa: E402
from textual._compositor import CompositorUpdate  # noqa: E402
from textual.app import App  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.screen import Screen  # noqa: E402

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


class FrameClock:
    """Timestamps every frame the app renders, after turning it into terminal output as a real driver would."""

    def __init__(self, app: App[None]) -> None:
        self.frames: list[float] = []
        self.waiting: list[asyncio.Future[float]] = []
        display = app._display

        def timed_display(screen: Screen[object], renderable: RenderableType | None) -> None:
            display(screen, renderable)
            if renderable is not None and not app._batch_count:
                if isinstance(renderable, CompositorUpdate):
                    renderable.render_segments(app.console)
                now = time.perf_counter()
                self.frames.append(now)
                for waiter in self.waiting:
                    if not waiter.done():
                        waiter.set_result(now)
                self.waiting.clear()

        app._display = timed_display  # type: ignore[method-assign]

    async def press(self, pilot: Pilot[None], key: str) -> float:
        """Milliseconds from ``key`` reaching the app to the frame showing its effect."""
        app = pilot.app
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        t0 = time.perf_counter()
        assert app._driver is not None
        app._driver.send_message(event)
        await settle(pilot)
        handled = time.perf_counter()
        screen = app.screen
        if screen._layout_required or screen._repaint_required or screen._scroll_required or screen._dirty_widgets:
            # the effect is waiting for the screen's next update: that frame shows it
            frame: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            self.waiting.append(frame)
            return (await asyncio.wait_for(frame, 30) - t0) * 1000
        written = [t for t in self.frames if t >= t0]  # already on screen (or nothing to show)
        return ((written[-1] if written else handled) - t0) * 1000


async def settle(pilot: Pilot[None]) -> None:
    """Until every widget has handled what the key set off: each round waits for what was queued when it began
    (the key; then what its handlers posted: a tab activation, bubbling up, a focus change...)."""
    app = pilot.app
    for _ in range(20):
        await pilot._wait_for_screen()
        if all(node._message_queue.empty() for node in (app, *app.screen.walk_children(with_self=True))):
            return


async def old_press(pilot: Pilot[None], key: str) -> float:
    """The first version's figure: Pilot's press, then its pause (idle window, forced refresh)."""
    t0 = time.perf_counter()
    await pilot.press(key)
    await pilot.pause()
    return (time.perf_counter() - t0) * 1000


async def baseline(presses: int) -> tuple[list[float], list[float]]:
    """The same loops on a one-widget app: what Textual and this machine cost by themselves. (new, old)"""
    from textual.app import ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        """One line of text that every up/down key changes, so each press has a frame to show."""

        BINDINGS = [("up", "step(-1)"), ("down", "step(1)")]
        count = 0

        def compose(self) -> ComposeResult:
            yield Static("bare 0")

        def action_step(self, by: int) -> None:
            self.count += by
            self.query_one(Static).update(f"bare {self.count}")

    app = Bare()
    clock = FrameClock(app)
    new: list[float] = []
    old: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        for n in range(presses):
            new.append(await clock.press(pilot, "down" if n % 2 else "up"))
        for _ in range(presses):
            old.append(await old_press(pilot, "down"))
    return new, old


async def measure(target: TuiTarget, entries: int, presses: int) -> dict[str, object]:
    app = make_app(target)
    clock = FrameClock(app)
    before = rss_mb()[0]
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.perf_counter()
        while app.model.entries_seen < entries:
            await pilot.pause(0.05)
        caught_up = time.perf_counter() - started
        timings = [await clock.press(pilot, KEYS[n % len(KEYS)]) for n in range(presses)]
        tabs = [t for n, t in enumerate(timings) if KEYS[n % len(KEYS)].isdigit()]
        old = [await old_press(pilot, KEYS[n % len(KEYS)]) for n in range(presses // 2)]
        await pilot.press("2", "slash")
        await pilot.pause()
        keys = [("backspace" if c == "\b" else c) for c in "status:error" + "\b" * 12]
        filter_ms = [await clock.press(pilot, key) for key in keys]
        seen = app.model.entries_seen
        rows = app.query_one("MessagesView").table.row_count  # type: ignore[attr-defined]
    now, peak = rss_mb()
    return {"caught_up_s": caught_up, "keys": timings, "tabs": tabs, "old": old, "filter": filter_ms,
            "seen": seen, "rows": rows,
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
    bare, bare_old = asyncio.run(baseline(50))
    keys, flt, tabs, old = result["keys"], result["filter"], result["tabs"], result["old"]
    assert isinstance(keys, list) and isinstance(flt, list) and isinstance(tabs, list) and isinstance(old, list)
    print(f"journal: {written} entries, writer appending ~{args.rate:.0f}/s; caught up in "
          f"{result['caught_up_s']:.2f} s; {result['seen']} entries seen by the end; "
          f"Messages table {result['rows']} rows")  # fmt: skip
    print(f"key press -> repaint ({len(keys)} presses: tabs, cursor, paging): "
          f"median {statistics.median(keys):.1f} ms, p95 {percentile(keys, 0.95):.1f} ms, "
          f"worst {max(keys):.1f} ms")  # fmt: skip
    others = [t for n, t in enumerate(keys) if not KEYS[n % len(KEYS)].isdigit()]
    for name, part in (("tab switches", tabs), ("cursor and paging keys", others)):
        print(f"  {name} ({len(part)}): median {statistics.median(part):.1f} ms, "
              f"p95 {percentile(part, 0.95):.1f} ms, worst {max(part):.1f} ms")  # fmt: skip
    print(f"baseline, a one-widget app on this machine: median {statistics.median(bare):.1f} ms, "
          f"p95 {percentile(bare, 0.95):.1f} ms, worst {max(bare):.1f} ms "
          f"(load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    print(f"old method (Pilot press + pause, {len(old)} presses): median {statistics.median(old):.1f} ms, "
          f"p95 {percentile(old, 0.95):.1f} ms; one-widget app the same way: median "
          f"{statistics.median(bare_old):.1f} ms")  # fmt: skip
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
