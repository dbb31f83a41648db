"""Conversions through the worker's converters, against real Azurite and the real poller (issue 9, issue 14)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import azure.functions as func
import pytest
from azure.functions.meta import Datum
from click.testing import CliRunner

from emulator.app.deployment import load_deployment
from emulator.conversion.host_values import TriggerInput
from emulator.dev.protocol import Ready, decode_event
from emulator.runtime.host import Host
from emulator.testing.plugin import read_queue
from exchange_cli.main import cli
from tests.emulator.support import deploy, running, send, wait_for

# ~30 KB, an object 15,001 levels deep: json.loads raises RecursionError on it on 3.11 and 3.13 alike
DEEP = '{"a": ' + "[" * 15000 + "]" * 15000 + "}"


def test_deeply_nested_json_runs_the_function_instead_of_crashing_the_host(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    app = deploy("conversion", tmp_path / "app", values={"Q": queue_name})
    with running(app, storage_connection_string):
        send(storage_connection_string, f"{queue_name}-deep", DEEP)
        seen = wait_for(lambda: read_queue(storage_connection_string, f"{queue_name}-deep-out"), what="the output")
    assert [m.text for m in seen] == [str(len(DEEP))]


def test_a_function_that_parses_deep_json_fails_with_the_recursion_error_it_raised(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    host_json = {"extensions": {"queues": {"maxDequeueCount": 2}}}
    app = deploy("conversion", tmp_path / "app", host=host_json, values={"Q": queue_name})
    with running(app, storage_connection_string) as host:
        send(storage_connection_string, f"{queue_name}-parse", DEEP)
        [poisoned] = wait_for(lambda: host.entries(kinds=["message.poison"]), what="the poison entry")
    reason = poisoned.data["reason"]
    assert "RecursionError" in reason and "without finishing" not in reason


def test_a_json_body_id_overrides_the_message_id_as_the_host_does(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    app = deploy("conversion", tmp_path / "app", values={"Q": queue_name})
    with running(app, storage_connection_string):
        plain_id = send(storage_connection_string, f"{queue_name}-ids", "not json")
        send(storage_connection_string, f"{queue_name}-ids", '{"id": "from-the-body"}')

        def both() -> list[str]:
            seen.extend(m.text for m in read_queue(storage_connection_string, f"{queue_name}-ids-out"))
            return seen if len(seen) == 2 else []

        seen: list[str] = []
        wait_for(both, what="two reports")
    assert sorted(seen) == sorted([plain_id, "from-the-body"])  # the host's binding data: body fields win


def test_a_dict_on_a_queue_output_sends_its_keys_as_the_worker_does_and_says_so(
    tmp_path: Path, storage_connection_string: str, queue_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    host = Host(
        load_deployment(deploy("conversion", tmp_path / "app", values={"Q": queue_name})),
        storage=storage_connection_string,
    )
    fn = host.function("dict_out")
    assert fn is not None

    async def invoke() -> object:
        try:
            return await host.invoker.invoke(fn, func.QueueMessage(body=b"x"))
        finally:
            await host.invoker.close()

    with caplog.at_level(logging.WARNING, logger="exchange.functions"):
        result = asyncio.run(invoke())
    assert result.ok  # type: ignore[attr-defined]
    assert [m.text for m in read_queue(storage_connection_string, f"{queue_name}-dict-out")] == ["id"]
    assert "a dict was set on a queue output" in caplog.text and "json.dumps(value)" in caplog.text


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="azure-functions-runtime can run on 3.13+")
def test_runtime_azure_below_python_3_13_is_one_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["dev", str(tmp_path), "--runtime", "azure", "--no-tui"])
    assert result.exit_code == 1
    assert "--runtime azure needs Python 3.13 or later" in result.output
    assert "Traceback" not in result.output


def test_a_runner_can_hand_the_invoker_the_hosts_typed_data_and_metadata(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    """The seam for further triggers (blob, table): a TriggerInput goes to the converter as it is."""
    host = Host(
        load_deployment(deploy("conversion", tmp_path / "app", values={"Q": queue_name})),
        storage=storage_connection_string,
    )
    fn = host.function("report_id")
    assert fn is not None
    given = TriggerInput(Datum("body", "string"), {"Id": Datum("given-id", "string")})

    async def invoke() -> object:
        try:
            return await host.invoker.invoke(fn, given)
        finally:
            await host.invoker.close()

    assert asyncio.run(invoke()).ok  # type: ignore[attr-defined]
    assert [m.text for m in read_queue(storage_connection_string, f"{queue_name}-ids-out")] == ["given-id"]


def test_http_functions_returning_bytes_none_or_a_dict_answer_500_as_on_azure(
    tmp_path: Path, storage_connection_string: str
) -> None:
    app = tmp_path / "edge"
    shutil.copytree(Path(__file__).parents[1] / "parity" / "apps" / "edge", app)
    (app / "host.json").write_text('{"version": "2.0"}')
    (app / "local.settings.json").write_text('{"Values": {"Q": "conversion"}}')
    command = [
        sys.executable,
        "-m",
        "emulator.dev.worker",
        str(app),
        "--storage",
        storage_connection_string,
        "--port",
        "0",
    ]
    with (app / "worker.log").open("a") as log:
        worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert worker.stdout is not None
        ready = decode_event(worker.stdout.readline())
        assert isinstance(ready, Ready), ready
        base = ready.http
        statuses = {route: _status(f"{base}/api/{route}") for route in ("str", "bytes", "none", "dict", "int")}
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert statuses == {"str": 200, "bytes": 500, "none": 500, "dict": 500, "int": 500}


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
