"""`exchange dev` with a mixed app (bindings it does not run next to ones it runs) and with an app that cannot load."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.dev_support import DevProcess, http_get, make_deployment, wait_for


def _get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def mixed(tmp_path: Path, storage_connection_string: str, queue_name: str) -> Iterator[DevProcess]:
    values = {"AzureWebJobs.switched_off.Disabled": "1", "CONTAINER": queue_name, "Q": queue_name}
    deployment = make_deployment(tmp_path / "app", "mixed", values=values)
    proc = DevProcess(deployment, storage_connection_string)
    try:
        wait_for(lambda: http_get(proc.base_url + "/api/hello"), what="the HTTP function to answer")
        yield proc
    finally:
        proc.close()


def test_functions_on_bindings_not_emulated_are_listed_and_the_rest_run(mixed: DevProcess) -> None:
    mixed.wait_for_log("to_cosmos: not run locally: cosmosDB out (doc), exchange does not emulate Cosmos DB")
    assert "from_event_hub: not run locally: eventHubTrigger in (event), exchange does not emulate Event Hubs" in (
        mixed.log()
    )
    status, body = _get(mixed.base_url + "/admin/functions")
    listed = {f["name"]: f for f in json.loads(body)}
    assert status == 200
    assert listed["to_cosmos"]["state"] == "not run locally"
    assert listed["to_cosmos"]["notRunLocally"].startswith("cosmosDB out (doc), ")
    assert listed["switched_off"]["state"] == "disabled" and listed["hello"]["state"] == "enabled"
    assert _get(mixed.base_url + "/api/hello") == (200, "hello")
    assert _get(mixed.base_url + "/api/off")[0] == 404  # AzureWebJobs.switched_off.Disabled = 1
    status, body = _post(mixed.base_url + "/admin/functions/from_event_hub", {"input": "{}"})
    assert status == 409 and "'from_event_hub' is not run locally: eventHubTrigger in (event)" in body


def test_while_the_app_cannot_load_http_answers_503_with_the_error_at_once(mixed: DevProcess) -> None:
    app = mixed.log_path.parent / "app" / "function_app.py"
    good = app.read_text()
    app.write_text(good + "\nimport no_such_module_here\n")
    mixed.wait_for_log("no queue is polled until it is fixed")
    line = len(good.splitlines()) + 2

    started = time.monotonic()
    status, body = _get(mixed.base_url + "/api/hello")
    assert time.monotonic() - started < 2.0
    assert status == 503
    assert f"function_app.py:{line}" in body and "ModuleNotFoundError" in body
    status, body = _get(mixed.base_url + "/admin/host/status")
    assert status == 200 and json.loads(body)["state"] == "Error"
    assert f"function_app.py:{line}" in json.loads(body)["errors"][0]

    app.write_text(good)
    wait_for(lambda: http_get(mixed.base_url + "/api/hello") == "hello", what="the fixed code to serve HTTP again")


def test_a_blob_trigger_runs_under_exchange_dev(
    mixed: DevProcess, storage_connection_string: str, queue_name: str, queue_reader: Callable[..., list[Any]]
) -> None:
    from azure.storage.blob import BlobServiceClient

    with BlobServiceClient.from_connection_string(storage_connection_string) as service:
        service.create_container(queue_name)
        service.get_blob_client(queue_name, "hello.txt").upload_blob(b"world")
        try:
            seen = wait_for(lambda: queue_reader(queue_name), what="the blob-triggered function's output")
            by_hand = _post(mixed.base_url + "/admin/functions/on_blob?wait=true", {"input": f"{queue_name}/hello.txt"})
            missing = _post(mixed.base_url + "/admin/functions/on_blob", {"input": f"{queue_name}/nope.txt"})
            again = wait_for(lambda: queue_reader(queue_name), what="the run by hand")
        finally:
            service.delete_container(queue_name)
    assert [m.text for m in seen] == [f"{queue_name}/hello.txt:world"]
    assert by_hand[0] == 200 and json.loads(by_hand[1])["ok"] is True
    assert [m.text for m in again] == [f"{queue_name}/hello.txt:world"]  # as the host: the input names the blob
    assert missing[0] == 404 and "no blob" in missing[1]


def _post(url: str, payload: dict[str, str]) -> tuple[int, str]:
    data = json.dumps(payload).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
