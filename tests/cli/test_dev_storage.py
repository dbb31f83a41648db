"""Which storage `exchange dev` uses, said out loud, and whose Azurite it stops."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from emulator import azurite
from emulator.azurite import free_port
from emulator.client.queues import send
from emulator.testing.plugin import QueueMessageSeen
from tests.cli.dev_support import ExchangeProcess, make_deployment, wait_for

pytestmark = pytest.mark.subprocess

Reader = Callable[..., list[QueueMessageSeen]]


def test_azure_web_jobs_storage_in_local_settings_is_used_not_replaced(
    tmp_path: Path,
    storage_connection_string: str,
    queue_name: str,
    queue_reader: Reader,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    monkeypatch.delenv("EXCHANGE_STORAGE", raising=False)
    values = {
        "IN_QUEUE": queue_name,
        "OUT_QUEUE": f"{queue_name}-out",
        "AzureWebJobsStorage": storage_connection_string,
    }
    deployment = make_deployment(tmp_path / "app", values=values)
    endpoint = storage_connection_string.split("QueueEndpoint=")[1].split(";")[0]
    proc = ExchangeProcess(tmp_path / "dev.log", "dev", str(deployment), "--no-tui", "--port", str(free_port()))
    try:
        proc.wait_for_log(f"storage: {endpoint} (AzureWebJobsStorage in local.settings.json; --storage overrides it)")
        send(storage_connection_string, queue_name, ['{"order": 1}'])
        out = wait_for(lambda: queue_reader(f"{queue_name}-out"), what="the relayed message")
    finally:
        proc.close()

    assert out[0].json()["body"] == {"order": 1}
    assert "Azurite" not in proc.log()


def test_a_bad_azure_web_jobs_storage_in_local_settings_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    monkeypatch.delenv("EXCHANGE_STORAGE", raising=False)
    deployment = make_deployment(tmp_path / "app", values={"AzureWebJobsStorage": "not a connection string"})

    done = subprocess.run(
        [sys.executable, "-m", "exchange_cli", "dev", str(deployment), "--no-tui", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert "Error: AzureWebJobsStorage in local.settings.json: the storage connection string is malformed." in (
        done.stderr
    )
    assert "Traceback" not in done.stderr


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_an_azurite_orphaned_by_a_killed_owner_is_adopted_and_stopped(tmp_path: Path) -> None:
    endpoints = azurite.AzuriteEndpoints(ports={"Blob": free_port(), "Queue": free_port(), "Table": free_port()})
    _, started = azurite.ensure(tmp_path, endpoints)
    assert started is not None and started.started_here
    record = json.loads(azurite.owner_file(tmp_path).read_text())
    record["owner"] = _dead_pid()  # the exchange dev that started it was SIGKILLed
    azurite.owner_file(tmp_path).write_text(json.dumps(record))
    try:
        _, adopted = azurite.ensure(tmp_path, endpoints)
        assert adopted is not None and not adopted.started_here and adopted.pid == started.pid

        _, again = azurite.ensure(tmp_path, endpoints)  # its new owner is alive: nobody else adopts it
        assert again is None

        adopted.stop()
        azurite.disown(tmp_path)
    finally:
        started.stop()
    assert not azurite.process_alive(started.pid)
    assert not azurite.owner_file(tmp_path).exists()


def test_an_azurite_someone_else_runs_is_never_adopted(tmp_path: Path) -> None:
    endpoints = azurite.AzuriteEndpoints(ports={"Blob": free_port(), "Queue": free_port(), "Table": free_port()})
    theirs = azurite.start(tmp_path / "theirs", endpoints)
    try:
        _, found = azurite.ensure(tmp_path, endpoints)
        assert found is None
    finally:
        theirs.stop()


def _children() -> set[int]:
    """This process's living children (zombies are reaped ones to be)."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        found |= {int(pid) for pid in (task / "children").read_text().split()}
    return {pid for pid in found if azurite.process_alive(pid)}


def test_an_azurite_that_does_not_start_stops_the_workers_warming_up_and_frees_the_port(tmp_path: Path) -> None:
    from emulator.dev.run import run_dev
    from emulator.dev.supervisor import DevOptions

    before = _children()
    deployment = make_deployment(tmp_path / "app")  # no AzureWebJobsStorage: Azurite on the default ports
    endpoints = azurite.AzuriteEndpoints(ports={k: free_port() for k in ("Blob", "Queue", "Table")})
    launched = azurite.launch(tmp_path / "azurite", endpoints)  # as exchange demo does, but it dies at once
    launched.stop()
    port = free_port()
    options = DevOptions(deployment_dir=deployment, port=port, azurite=launched)

    with pytest.raises(azurite.AzuriteError, match="did not start"):  # the fork server warmed up meanwhile
        run_dev(options, lambda _line: None)

    assert wait_for(lambda: _children() <= before), _children() - before
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # closed, not left to the workers
