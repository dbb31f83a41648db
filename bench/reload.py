"""Hot reload: from saving a file to the first invocation served by the new code, through the real `exchange dev`.

The baseline, measured in the same run, is a cold start: the first generation (a fresh process importing
everything) of the same deployment. Each round saves function_app.py with a new version string and polls the HTTP
function (5 ms apart) until it answers with it; the user does not save twice within a second, so rounds are spaced
so that the supervisor's warm spare is ready, as it is in real use.

    .venv/bin/python bench/reload.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator import azurite
from tests.cli.dev_support import DevProcess, http_get, make_deployment, wait_for

SPARE_WARM_S = 2.5


def save_version(app: Path, version: str) -> None:
    text = app.read_text()
    start = text.index('VERSION = "') + len('VERSION = "')
    app.write_text(text[:start] + version + text[text.index('"', start) :])


def served(url: str, version: str) -> bool:
    return http_get(url) == version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-reload-"))
    store = azurite.start(work / "azurite")
    try:
        deployment = make_deployment(work / "app", values={"IN_QUEUE": "bench-in", "OUT_QUEUE": "bench-out"})
        started = time.perf_counter()
        dev = DevProcess(deployment, store.endpoints.connection_string)
        try:
            url = dev.base_url + "/api/version"
            wait_for(lambda: served(url, "v1"), timeout=60, what="the first generation")
            cold = time.perf_counter() - started
            reloads = []
            for n in range(args.rounds):
                time.sleep(SPARE_WARM_S)  # a person between two saves; the spare worker warms meanwhile
                version = f"r{n}"
                saved = time.perf_counter()
                save_version(deployment / "function_app.py", version)
                wait_for(lambda v=version: served(url, v), timeout=30, what=f"version {version}")  # type: ignore[misc]
                reloads.append(time.perf_counter() - saved)
        finally:
            dev.interrupt()
            dev.close()
    finally:
        store.stop()
    median = statistics.median(reloads)
    print(f"cold start (exchange dev to first response):  {cold * 1000:7.0f} ms")
    print(
        f"reload, save to new code serving ({len(reloads)} rounds): median {median * 1000:.0f} ms, "
        f"p90 {sorted(reloads)[int(len(reloads) * 0.9) - 1] * 1000:.0f} ms, max {max(reloads) * 1000:.0f} ms"
    )
    print(f"ratio reload/cold start: {median / cold:.2f}  (target: median reload <= 500 ms)")


if __name__ == "__main__":
    main()
