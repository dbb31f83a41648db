"""Hot reload: from saving a file to the first answer of the new code, through the real `exchange dev` command.

`exchange dev` runs in a subprocess on a copy of the `reloadable` test app, against one Azurite started here, while
another CPU-bound process runs on the machine (started here too, as a busy machine has). Each round saves
function_app.py with a new VERSION, the saves one second apart as someone editing quickly saves, and polls the
HTTP function (5 ms apart) until it answers with the new version. The baseline, measured in the same run, is the
cold start: from launching `exchange dev` to the first answer.

    .venv/bin/python bench/reload.py [--rounds 10] [--gap 1.0] [--no-burner] [--exchange CHECKOUT ...]

`--exchange` measures other checkouts too, each with its own `.venv` (a worktree of main, for a before/after).
Target (issue 13): median <= 0.2 s, p90 <= 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from report import figure  # noqa: E402

from emulator import azurite  # noqa: E402
from emulator.azurite import free_port  # noqa: E402
from tests.cli.dev_support import http_get, make_deployment, wait_for  # noqa: E402

MEDIAN_TARGET_S = 0.2
P90_TARGET_S = 0.3


def save_version(app: Path, version: str) -> None:
    text = app.read_text()
    start = text.index('VERSION = "') + len('VERSION = "')
    app.write_text(text[:start] + version + text[text.index('"', start) :])


def p90(values: list[float]) -> float:
    return sorted(values)[max(0, round(len(values) * 0.9) - 1)]


@contextmanager
def burner(enabled: bool) -> Iterator[None]:
    """One CPU-bound process for the duration (another program busy on the machine)."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if enabled else None
    try:
        yield
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()


def run(checkout: Path, work: Path, storage: str, rounds: int, gap: float) -> tuple[float, list[float]]:
    """Cold start and the reload times of ``checkout``'s `exchange dev`."""
    deployment = make_deployment(work / "app", values={"IN_QUEUE": "bench-in", "OUT_QUEUE": "bench-out"})
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/version"
    command = [str(checkout / ".venv" / "bin" / "python"), "-m", "exchange_cli", "dev", str(deployment)]
    command += ["--no-tui", "--port", str(port), "--storage", storage]
    with (work / "dev.log").open("wb") as log:
        started = time.perf_counter()
        dev = subprocess.Popen(command, cwd=work, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: http_get(url) == "v1", timeout=120, what="the first generation")
            cold = time.perf_counter() - started
            reloads = []
            next_save = time.perf_counter() + gap
            for n in range(rounds):
                time.sleep(max(0.0, next_save - time.perf_counter()))  # the editor's pace, not a wait on the host
                version = f"r{n}"
                saved = time.perf_counter()
                next_save = saved + gap
                save_version(deployment / "function_app.py", version)
                wait_for(lambda v=version: http_get(url) == v, timeout=60, what=f"version {version}")  # type: ignore[misc]
                reloads.append(time.perf_counter() - saved)
        finally:
            dev.terminate()
            dev.wait(30)
    return cold, reloads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between two saves")
    parser.add_argument("--no-burner", action="store_true", help="no CPU-bound process alongside")
    parser.add_argument("--exchange", type=Path, action="append", default=[], help="another checkout to measure")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-reload-"))
    store = azurite.start(work / "azurite")
    try:
        with burner(not args.no_burner):
            for index, checkout in enumerate([ROOT, *args.exchange]):
                cold, reloads = run(
                    checkout, work / f"run{index}", store.endpoints.connection_string, args.rounds, args.gap
                )
                report(checkout, cold, reloads, mine=index == 0)
    finally:
        store.stop()


def report(checkout: Path, cold: float, reloads: list[float], *, mine: bool) -> None:
    median, high = statistics.median(reloads), p90(reloads)
    print(f"{checkout}: cold start {cold * 1000:.0f} ms")
    print(
        f"  reload, save to new code answering ({len(reloads)} saves): median {median * 1000:.0f} ms, "
        f"p90 {high * 1000:.0f} ms, max {max(reloads) * 1000:.0f} ms"
    )
    where = "" if mine else f" [{checkout.name}]"
    figure(
        f"reload: save -> new code answers, median{where}",
        median,
        "s",
        baseline=cold,
        baseline_name="cold start",
        target=f"<= {MEDIAN_TARGET_S} s",
        holds=median <= MEDIAN_TARGET_S,
    )
    figure(
        f"reload: save -> new code answers, p90{where}",
        high,
        "s",
        baseline=cold,
        baseline_name="cold start",
        target=f"<= {P90_TARGET_S} s",
        holds=high <= P90_TARGET_S,
    )


if __name__ == "__main__":
    main()
