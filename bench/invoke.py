"""Invocation overhead: the worker's converters (this tree) against today's hand-written path and a direct call.

Each path runs the same two functions 1,000 times through ``Invoker.invoke`` (an HTTP function returning a
``func.HttpResponse`` and a queue function taking a ``func.QueueMessage``; no output I/O, no journal), timing every
invocation; the median is reported. "today" is main's emulator code (``git archive`` of ``--baseline``, default
``main``) run by the same interpreter in the same run; "direct" calls the Python function with a ready argument.
With ``--runtime azure`` (Python 3.13+) the new path runs through azure-functions-runtime instead.

    .venv/bin/python bench/invoke.py [--n 1000] [--baseline main] [--runtime emulator|azure]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from report import figure

ROOT = Path(__file__).resolve().parents[1]
APP = """
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello " + req.params.get("name", ""))


@app.queue_trigger(arg_name="msg", queue_name="bench-in", connection="AzureWebJobsStorage")
def consume(msg: func.QueueMessage) -> None:
    msg.get_body()
"""

MEASURE = """
import asyncio, json, statistics, sys, time
from datetime import UTC, datetime
from pathlib import Path
import azure.functions as func
from azure.functions.queue import QueueMessage
from emulator.app.deployment import load_deployment
from emulator.runtime.host import Host

folder, n, runtime = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
kwargs = {"runtime": runtime} if runtime != "today" else {}
host = Host(load_deployment(folder), storage="UseDevelopmentStorage=true", **kwargs)
now = datetime.now(UTC).replace(microsecond=0)  # Azurite gives whole seconds
request = func.HttpRequest(method="GET", url="http://127.0.0.1/api/hello?name=x", headers={}, params={"name": "x"},
                           body=b"")
message = QueueMessage(id="1", body=b'{"n": 1}', dequeue_count=1, insertion_time=now, expiration_time=now,
                       time_next_visible=now, pop_receipt="r")

async def timed(fn, value):
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        result = await host.invoker.invoke(fn, value)
        samples.append(time.perf_counter() - started)
        assert result.ok, result.error
    return statistics.median(samples) * 1000

def direct(fn, value):
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn.callable(value)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000

async def main():
    if hasattr(host, "start_runtime"):
        await host.start_runtime()
    http, queue = host.function("hello"), host.function("consume")
    out = {"http": await timed(http, request), "queue": await timed(queue, message),
           "http_direct": direct(http, request), "queue_direct": direct(queue, message)}
    await host.invoker.close()
    print(json.dumps(out))

asyncio.run(main())
"""


def baseline_tree(ref: str, target: Path) -> Path:
    """main's emulator and framework packages, unpacked from git (nothing of this tree mixed in)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "emulator", "framework"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def measure(tree: Path, app: Path, n: int, runtime: str) -> dict[str, float]:
    """Run the measurement in a fresh interpreter with ``tree`` first on the path."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(app), str(n), runtime],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    """Print the medians (ms per invocation) and the difference of the new path to today's."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--baseline", default="main", help="git ref of today's path")
    parser.add_argument("--runtime", choices=["emulator", "azure"], default="emulator")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-invoke-") as tmp:
        app = Path(tmp) / "app"
        app.mkdir()
        (app / "function_app.py").write_text(APP)
        (app / "host.json").write_text('{"version": "2.0"}')
        today = measure(baseline_tree(args.baseline, Path(tmp) / "today"), app, args.n, "today")
        new = measure(ROOT, app, args.n, args.runtime)
    print(f"median of {args.n} invocations, ms (new path: {args.runtime})")
    print(f"{'':8} {'direct':>8} {'today':>8} {'new':>8} {'new-today':>10}")
    for kind in ("http", "queue"):
        delta = new[kind] - today[kind]
        print(f"{kind:8} {new[kind + '_direct']:8.3f} {today[kind]:8.3f} {new[kind]:8.3f} {delta:+10.3f}")
    worst = max(new[k] - today[k] for k in ("http", "queue"))
    print(f"budget: +0.200 ms; worst: {worst:+.3f} ms -> {'OK' if worst <= 0.2 else 'OVER BUDGET'}")
    for kind in ("http", "queue"):
        figure(f"{kind} invocation through the Invoker (median)", new[kind], "ms",
               baseline=new[kind + "_direct"], baseline_name="calling the function directly")  # fmt: skip
    figure(f"invocation overhead added since {args.baseline} (worst of http, queue)", worst, "ms",
           target="<= +0.2 ms", holds=worst <= 0.2)  # fmt: skip


if __name__ == "__main__":
    main()
