"""Parity: every edge case gives the outcome the real runtime gives (recorded in expected.json from 3.13).

The emulator half runs everywhere, through the emulator's own indexing and invoker against real Azurite. The
runtime half runs where azure-functions-runtime can (Python 3.13+) and checks the recording is still true.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from emulator.app.deployment import load_deployment
from emulator.app.indexing import IndexingError, index_functions
from emulator.runtime.azure import RuntimeName
from emulator.runtime.host import Host
from emulator.testing.plugin import read_queue
from tests.parity import cases

EXPECTED = cases.load_expected()


def _deploy(app: str, target: Path, queue_prefix: str) -> Path:
    shutil.copytree(cases.APPS / app, target, dirs_exist_ok=True)
    (target / "host.json").write_text(json.dumps({"version": "2.0"}))
    values = {"FUNCTIONS_WORKER_RUNTIME": "python", "Q": queue_prefix}
    (target / "local.settings.json").write_text(json.dumps({"IsEncrypted": False, "Values": values}))
    return target


def test_every_case_has_a_recorded_outcome() -> None:
    assert set(EXPECTED) == set(cases.CASES) | set(cases.REFUSED)


@pytest.mark.parametrize("app", cases.REFUSED)
def test_the_emulator_refuses_the_apps_the_worker_refuses(app: str, tmp_path: Path) -> None:
    with pytest.raises(IndexingError) as info:
        index_functions(load_deployment(_deploy(app, tmp_path / app, "q")))
    assert cases.load_failure(str(info.value)) == EXPECTED[app]
    assert "function_app.py:" in str(info.value)  # file and line, as every indexing error


REAL_RUNTIME = pytest.mark.skipif(
    sys.version_info < (3, 13) or importlib.util.find_spec("azure_functions_runtime") is None,
    reason="the real runtime (azure-functions-runtime) runs on Python 3.13+ only",
)


@pytest.mark.parametrize("runtime", ["emulator", pytest.param("azure", marks=REAL_RUNTIME)])
def test_the_host_gives_the_runtimes_outcome_case_by_case(
    runtime: RuntimeName, tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    """Both engines of the host: the emulator's own worker path, and the real runtime behind the same host side."""
    _upload(storage_connection_string, f"{queue_name}-blobs", "in.txt", cases.BLOB_TEXT)
    deployment = load_deployment(_deploy("edge", tmp_path / "edge", queue_name))
    host = Host(deployment, storage=storage_connection_string, runtime=runtime)

    async def run_all() -> dict[str, Any]:
        await host.start_runtime()
        try:
            return {case: await _outcome(host, queue_name, *spec) for case, spec in cases.CASES.items()}
        finally:
            await host.stop()  # releases the runtime it used (the process's own, under azure-functions-runtime)

    got = asyncio.run(run_all())
    for case in cases.CASES:
        if not got[case]["ok"]:  # read what was sent only where something should have been
            continue
        function = cases.CASES[case][0]
        # sorted: the host sends a list's messages concurrently, so their order on the queue is not promised
        got[case]["messages"] = sorted(
            m.text for m in read_queue(storage_connection_string, f"{queue_name}-{function.replace('_', '-')}")
        )
    expected = {c: {**EXPECTED[c], **_sorted(EXPECTED[c])} for c in cases.CASES}
    assert {c: got[c] for c in cases.CASES} == expected


def _upload(conn: str, container: str, name: str, data: bytes) -> None:
    from azure.storage.blob import BlobServiceClient

    with BlobServiceClient.from_connection_string(conn) as service:
        service.create_container(container)
        service.get_blob_client(container, name).upload_blob(data)


def _sorted(outcome: dict[str, Any]) -> dict[str, Any]:
    return {"messages": sorted(outcome["messages"])} if "messages" in outcome else {}


async def _outcome(host: Host, queue_name: str, function: str, kind: str, data: str) -> dict[str, Any]:
    fn = host.function(function)
    assert fn is not None
    result = await host.invoker.invoke(fn, cases.trigger_value(kind, data))
    if not result.ok:  # the real runtime reports "<Type>: <message>"; the emulator raises the exception itself
        error = result.error
        name = str(error).split(":", 1)[0] if type(error).__name__ == "WorkerError" else type(error).__name__
        return {"ok": False, "error": name}
    response = result.http_response
    http = None if response is None else [response.status_code, (response.get_body() or b"").decode()]
    return {"ok": True, "error": None, "http": http, "messages": []}


@REAL_RUNTIME
@pytest.mark.subprocess
def test_the_real_runtime_still_gives_the_recorded_outcomes() -> None:
    from tests.parity.record import runtime_outcomes

    assert runtime_outcomes() == EXPECTED
