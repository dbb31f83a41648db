"""Run every parity case through azure-functions-runtime (Python 3.13+) and print or record the outcomes.

``python3.13 -m tests.parity.record --write`` rewrites expected.json; without ``--write`` it prints them.
Each app runs in its own process: the runtime keeps its function registry in module globals, as a worker does.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.parity import cases


async def _run_app(app: str) -> dict[str, Any]:
    from emulator.runtime.azure import AzureRuntime, RuntimeLoadError

    os.environ["Q"] = cases.Q
    runtime = AzureRuntime(cases.APPS / app)
    try:
        await runtime.start()
    except RuntimeLoadError as exc:
        return {app: cases.load_failure(exc.message)}
    if app != "edge":
        return {app: {"ok": True, "error": None}}
    outcomes = {}
    for case, (function, kind, data) in cases.CASES.items():
        value = cases.trigger_value(kind, data)
        if kind == "http":
            inputs, metadata = {"req": host_values_http(value)}, {}
            if function in cases.BLOB_INPUTS:
                inputs["file"] = blob_input(*cases.BLOB_INPUTS[function])
        else:
            datum, metadata = host_values_queue(value)
            inputs = {"msg": datum}
        got = await runtime.invoke(function, inputs, metadata)
        outcomes[case] = cases.outcome_from_datums(
            got.ok, got.error_type, got.outputs, got.returned, return_is_http=kind == "http"
        )
    return outcomes


def host_values_http(value: Any) -> Any:
    from emulator.conversion import host_values

    return host_values.http_datum(value)


def blob_input(data_type: str | None, exists: bool) -> Any:
    from azure.functions.meta import Datum

    from emulator.conversion import host_values

    return host_values.blob_datum(cases.BLOB_TEXT, data_type=data_type) if exists else Datum(None, None)


def host_values_queue(value: Any) -> Any:
    from emulator.conversion import host_values

    return host_values.queue_datum(value, data_type=None)


def runtime_outcomes() -> dict[str, Any]:
    """Every case's outcome under the real runtime, one subprocess per app."""
    outcomes: dict[str, Any] = {}
    root = Path(__file__).parents[2]
    for app in ["edge", *cases.REFUSED]:
        done = subprocess.run(
            [sys.executable, "-m", "tests.parity.record", "--app", app],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        outcomes.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return outcomes


def main() -> None:
    """Entry point (see the module docstring)."""
    if "--app" in sys.argv:
        print(json.dumps(asyncio.run(_run_app(sys.argv[sys.argv.index("--app") + 1]))))
        return
    outcomes = runtime_outcomes()
    if "--write" in sys.argv:
        cases.EXPECTED.write_text(json.dumps(outcomes, indent=2, sort_keys=True) + "\n")
    print(json.dumps(outcomes, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
