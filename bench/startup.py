"""CLI start-up: ``exchange --help`` and ``exchange --version`` against ``python -c "import click"``.

Each command runs ``--runs`` times in a fresh subprocess, interleaved with the baseline so that a busy machine
slows both alike; the figure is the ratio of medians. Target (issue 13): within 1.3x of importing click.

    .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
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


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():
        timed(command)  # warm the file cache
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            samples[name].append(timed(command))
    base = statistics.median(samples["import click"])
    print(f"python -c 'import click': median {base * 1000:.0f} ms over {args.runs} runs")
    for name in ("exchange --help", "exchange --version"):
        median = statistics.median(samples[name])
        # each round runs the three commands back to back: the median of the rounds' ratios is steadier on a busy
        # machine than the ratio of the medians
        ratio = statistics.median(t / b for t, b in zip(samples[name], samples["import click"], strict=True))
        print(f"{name}: median {median * 1000:.0f} ms, {ratio:.2f}x")
        figure(
            f"{name} (median)",
            median * 1000,
            "ms",
            baseline=base * 1000,
            baseline_name="import click",
            ratio=ratio,
            target=f"<= {TARGET}x",
            holds=ratio <= TARGET,
        )


if __name__ == "__main__":
    main()
