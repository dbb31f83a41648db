"""CLI start-up: ``exchange --help`` and ``exchange --version`` against ``python -c "import click"``.

Each command runs ``--runs`` times in a fresh subprocess, in rounds (each in a random order) with the baseline so
that a busy machine slows them alike; the figure is the median of the rounds' ratios, for wall time and for CPU
time (user + system: what start-up costs, whatever else the machine does). Target (issue 13): within 1.3x of
importing click.

    .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import figure

TARGET = 1.3
EXCHANGE = str(Path(sys.executable).parent / "exchange")
COMMANDS = {
    "import click": [sys.executable, "-c", "import click"],
    "exchange --help": [EXCHANGE, "--help"],
    "exchange --version": [EXCHANGE, "--version"],
}


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    wall: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpu: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():
        timed(command)  # warm the file cache
    rng = random.Random(13)
    for _ in range(args.runs):
        for name in rng.sample(list(COMMANDS), len(COMMANDS)):  # a round in random order: load hits all alike
            w, c = timed(COMMANDS[name])
            wall[name].append(w)
            cpu[name].append(c)
    base = "import click"
    print(f"python -c 'import click': median {statistics.median(wall[base]) * 1000:.0f} ms wall, "
          f"{statistics.median(cpu[base]) * 1000:.0f} ms CPU, {args.runs} runs")  # fmt: skip
    for name in ("exchange --help", "exchange --version"):
        for kind, samples in (("wall", wall), ("CPU", cpu)):
            # the median of the rounds' ratios is steadier on a busy machine than the ratio of the medians
            ratio = statistics.median(t / b for t, b in zip(samples[name], samples[base], strict=True))
            median = statistics.median(samples[name])
            print(f"{name}: median {median * 1000:.0f} ms {kind}, {ratio:.2f}x")
            figure(
                f"{name}, {kind} time (median)",
                median * 1000,
                "ms",
                baseline=statistics.median(samples[base]) * 1000,
                baseline_name="import click",
                ratio=ratio,
                target=f"<= {TARGET}x",
                holds=ratio <= TARGET,
            )


if __name__ == "__main__":
    main()
