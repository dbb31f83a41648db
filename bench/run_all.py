"""Every benchmark in one command, one table: figure, baseline measured in the same run, ratio, target, holds.

    .venv/bin/python bench/run_all.py [--quick] [--only reload,startup] [--logs DIR]

Each benchmark in :data:`BENCHES` runs as its own subprocess (with this interpreter, from the repository root) and
reports its figures as ``BENCH {json}`` lines (:mod:`report`); everything else it prints goes to its log. A
script that is missing, fails, times out or reports nothing gets a row saying so, and the rest still run.
``--quick`` passes each benchmark its short arguments (a smoke run of a few minutes; ratios are noisier).

To add a benchmark: write ``bench/<name>.py`` that calls ``report.figure(...)``, and add one line to BENCHES.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from report import MARK  # noqa: E402


@dataclass(frozen=True)
class Bench:
    """One benchmark script and how to run it."""

    script: str
    #: Arguments of a full run, and of a ``--quick`` one.
    full: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()
    #: Seconds before the run is given up (full; quick gets a third).
    timeout: float = 1800.0


#: The benchmarks, in the order they run. Helpers that are not benchmarks (report.py, run_all.py) are not listed.
BENCHES: list[Bench] = [
    Bench("startup.py", ("--runs", "21"), ("--runs", "5")),
    Bench("reload.py", ("--rounds", "10"), ("--rounds", "5")),
    Bench("dev_throughput.py", ("--messages", "600", "--repeats", "3"), ("--messages", "200", "--repeats", "1")),
    Bench("throughput.py", (), ("--messages", "300", "--repeats", "2", "--rounds", "5")),
    Bench("clients.py", (), ("--messages", "200")),
    Bench("scaleout.py", (), ("--messages", "200", "--workers", "1,2", "--no-postgres")),
    Bench("handler.py", (), ("--messages", "500", "--rounds", "5")),  # fewer rounds swung 0.8-1.1x run to run
    Bench("tui.py", (), ("--entries", "2000", "--presses", "40")),
    Bench("demo.py", ("--free-ports",), ("--free-ports",)),
    Bench("scaffold.py", (), ("--runs", "3")),
    Bench("invoke.py", (), ("--n", "300")),
    Bench("pipeline.py", (), ("--orders", "30", "--storm", "60")),
    Bench("soak.py", (), ("--minutes", "1", "--warm-up", "20", "--sample", "10")),
]
NOT_BENCHMARKS = {"report.py", "run_all.py"}


@dataclass
class Row:
    """One line of the table."""

    bench: str
    name: str
    value: str = ""
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    holds: str = ""


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return f"{text} {unit}".strip()


def rows_of(bench: Bench, stdout: str) -> list[Row]:
    """The rows a benchmark reported on stdout."""
    rows = []
    for line in stdout.splitlines():
        if not line.startswith(MARK):
            continue
        fig = json.loads(line[len(MARK) :])
        baseline = _number(fig.get("baseline"), fig["unit"])
        if baseline and fig.get("baseline_name"):
            baseline = f"{baseline} ({fig['baseline_name']})"
        rows.append(
            Row(
                bench.script,
                fig["name"],
                _number(fig["value"], fig["unit"]),
                baseline,
                f"{fig['ratio']:.2f}x" if fig.get("ratio") is not None else "",
                fig["target"],
                {True: "yes", False: "**no**", None: "-"}[fig["holds"]],
            )
        )
    return rows


def run(bench: Bench, quick: bool, logs: Path) -> list[Row]:
    """Run one benchmark; its rows, or one row saying why there are none."""
    script = BENCH_DIR / bench.script
    if not script.exists():
        return [Row(bench.script, "(script missing: skipped)")]
    args = bench.quick if quick else bench.full
    timeout = bench.timeout / 3 if quick else bench.timeout
    log = logs / f"{script.stem}.log"
    print(f"[run_all] {bench.script} {' '.join(args)} (log: {log})", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, str(script), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as stop:
        log.write_text(_text(stop.stdout) + _text(stop.stderr))
        return [Row(bench.script, f"(timed out after {timeout:.0f} s)")]
    log.write_text(done.stdout + done.stderr)
    print(f"[run_all] {bench.script}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    rows = rows_of(bench, done.stdout)
    if done.returncode != 0:
        rows.append(Row(bench.script, f"(failed with exit code {done.returncode}: see its log)"))
    elif not rows:
        last = next((line for line in reversed(done.stdout.splitlines()) if line.strip()), "")
        rows.append(Row(bench.script, f"(no figures reported; last line: {last[:80]})"))
    return rows


def _text(data: bytes | str | None) -> str:
    return data.decode(errors="replace") if isinstance(data, bytes) else data or ""


def machine() -> str:
    """A one-line description of where the numbers were measured."""
    model = ""
    with_cpuinfo = Path("/proc/cpuinfo")
    if with_cpuinfo.exists():
        model = next(
            (ln.split(":", 1)[1].strip() for ln in with_cpuinfo.read_text().splitlines() if "model name" in ln), ""
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({model or 'unknown CPU'}), "
        f"Python {platform.python_version()}, load average {load:.1f} at the end"
    )


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table (readable as plain text too)."""
    head = ["benchmark", "figure", "value", "baseline (same run)", "ratio", "target", "holds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        cells = [r.bench, r.name, r.value, r.baseline, r.ratio, r.target, r.holds]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs of every benchmark")
    parser.add_argument("--only", default="", help="comma-separated script names (startup,reload,...)")
    parser.add_argument("--logs", type=Path, default=None, help="folder for the benchmarks' output")
    args = parser.parse_args()
    logs = args.logs or Path(tempfile.mkdtemp(prefix="exchange-bench-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    only = {name.removesuffix(".py") for name in args.only.split(",") if name}
    chosen = [b for b in BENCHES if not only or b.script.removesuffix(".py") in only]
    unlisted = sorted(
        p.name for p in BENCH_DIR.glob("*.py") if p.name not in NOT_BENCHMARKS | {b.script for b in BENCHES}
    )
    started = datetime.now(UTC)
    rows = [row for bench in chosen for row in run(bench, args.quick, logs)]
    print(f"\nexchange benchmarks{' (--quick)' if args.quick else ''}, {started:%Y-%m-%d %H:%M} UTC, {machine()}")
    print(f"logs: {logs}\n")
    print(table(rows))
    if unlisted:
        print(f"\nnot in run_all's list (add them to BENCHES): {', '.join(unlisted)}")
    return 0 if all(r.holds != "**no**" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
