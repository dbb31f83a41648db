"""How long `exchange new customer` and `exchange new processor` take, end to end, as a user runs them.

    python bench/scaffold.py [--runs 7]

Each run is the real CLI in a fresh subprocess (interpreter start, imports, copier render from the template
cache repository, files moved into place). The first command of all warms the template cache and is not counted.
Target: a median under 1 s for each.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import figure

EXCHANGE = str(Path(sys.executable).parent / "exchange")
TARGET_S = 1.0


CPU: dict[str, list[float]] = {}


def timed(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds one exchange command takes (its CPU seconds go to ``CPU``); a failure stops the benchmark."""
    cpu_before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run([EXCHANGE, *args], capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"exchange {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    CPU.setdefault(" ".join(args[:2]) + (" (fresh)" if "acme" in args else ""), []).append(_children_cpu() - cpu_before)
    return elapsed


def import_copier() -> float:
    """The floor of any scaffolding command: a fresh interpreter that imports copier."""
    cpu_before = _children_cpu()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import copier"], check=True)
    elapsed = time.perf_counter() - start
    CPU.setdefault("baseline", []).append(_children_cpu() - cpu_before)
    return elapsed


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="exchange-bench-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "EXCHANGE_TEMPLATE_CACHE": str(root / "cache")}
        warm = root / "warm"
        warm.mkdir()
        timed(["new", "customer", "warm", "--defaults", "--path", str(warm)], env)  # mirrors the templates once
        baseline = [import_copier() for _ in range(runs)]
        first_workspace = []
        customers = []
        processors = []
        for i in range(runs):
            fresh = root / f"ws{i}"
            fresh.mkdir()
            first_workspace.append(timed(["new", "customer", "acme", "--defaults", "--path", str(fresh)], env))
            customers.append(timed(["new", "customer", f"c{i}", "--defaults", "--path", str(warm)], env))
            processors.append(
                timed(["new", "processor", f"p{i}", "-c", "warm", "--defaults", "--path", str(warm)], env)
            )
    report("baseline: python -c 'import copier'", baseline, CPU["baseline"])
    for label, seconds in [("exchange new customer", customers), ("exchange new processor", processors)]:
        median = statistics.median(seconds)
        figure(f"{label} (median)", median, "s", baseline=statistics.median(baseline), baseline_name="import copier",
               target=f"< {TARGET_S:g} s", holds=median < TARGET_S)  # fmt: skip
    report("new customer (in a workspace)", customers, CPU["new customer"][1:])
    report("new customer (empty folder: workspace too)", first_workspace, CPU["new customer (fresh)"])
    report("new processor (code + wiring)", processors, CPU["new processor"])
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: wall time grows with load, CPU time not")


def report(label: str, seconds: list[float], cpu: list[float]) -> None:
    median = statistics.median(seconds)
    verdict = "ok" if median < TARGET_S else f"over the {TARGET_S:.0f} s target"
    print(f"{label:44s} wall median {median * 1000:5.0f} ms (min {min(seconds) * 1000:5.0f}, "
          f"max {max(seconds) * 1000:5.0f})  CPU median {statistics.median(cpu) * 1000:5.0f} ms  "
          f"{len(seconds)} runs, {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
