"""`exchange dev` as a user runs it: a real supervisor, real workers, real Azurite, files edited on disk."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from emulator.client.queues import send
from emulator.dev import state as devstate
from emulator.testing.plugin import QueueMessageSeen
from tests.cli.dev_support import DevProcess, http_get, make_deployment, wait_for

pytestmark = pytest.mark.subprocess

Reader = Callable[..., list[QueueMessageSeen]]


@pytest.fixture
def deployment(tmp_path: Path, queue_name: str) -> Path:
    values = {"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out"}
    return make_deployment(tmp_path / "app", values=values)


@pytest.fixture
def dev(deployment: Path, storage_connection_string: str) -> Iterator[DevProcess]:
    proc = DevProcess(deployment, storage_connection_string)
    try:
        wait_for(lambda: http_get(proc.base_url + "/api/version"), what="the HTTP function to answer")
        yield proc
    finally:
        proc.close()


def set_version(deployment: Path, version: str, suffix: str = "") -> None:
    app = deployment / "function_app.py"
    text = app.read_text()
    start = text.index('VERSION = "') + len('VERSION = "')
    app.write_text(text[:start] + version + text[text.index('"', start) :] + suffix)


def relayed(reader: Reader, queue: str) -> list[dict[str, object]]:
    return [m.json() for m in reader(f"{queue}-out")]


def test_dev_serves_queue_and_http_functions(
    dev: DevProcess, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    send(storage_connection_string, queue_name, ['{"order": 1}'])

    out = wait_for(lambda: relayed(queue_reader, queue_name), what="the relayed message")

    assert out == [{"version": "v1", "body": {"order": 1}, "dequeue_count": 1}]
    assert http_get(dev.base_url + "/api/version") == "v1"
    dev.wait_for_log("Executed 'Functions.relay' (Succeeded, Id=")


def test_saving_a_file_reloads_the_code_in_a_fresh_worker(
    dev: DevProcess, deployment: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    set_version(deployment, "v2")

    wait_for(lambda: http_get(dev.base_url + "/api/version") == "v2", what="the new code to serve HTTP")
    send(storage_connection_string, queue_name, ['{"order": 2}'])
    out = wait_for(lambda: relayed(queue_reader, queue_name), what="the relayed message")

    assert out[0]["version"] == "v2"
    assert "change detected: function_app.py" in dev.log()


def test_a_syntax_error_is_shown_and_costs_no_dequeue(
    dev: DevProcess, deployment: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    set_version(deployment, "v3", suffix="\ndef broken(:\n")
    dev.wait_for_log("no queue is polled until it is fixed")
    send(storage_connection_string, queue_name, ['{"order": 3}'])

    set_version(deployment, "v4")  # the fix also drops the broken suffix
    (deployment / "function_app.py").write_text((deployment / "function_app.py").read_text().split("\ndef broken")[0])
    out = wait_for(lambda: relayed(queue_reader, queue_name), what="the message to be processed after the fix")

    assert out == [{"version": "v4", "body": {"order": 3}, "dequeue_count": 1}]
    log = dev.log()
    assert "function_app.py" in log and "SyntaxError" in log


def test_ctrl_c_stops_the_workers_and_removes_the_state_file(dev: DevProcess, deployment: Path) -> None:
    state = devstate.read(deployment)
    assert state is not None and state.http_url == dev.base_url
    worker_pids = _worker_pids(deployment)

    assert dev.interrupt() == 0

    assert devstate.read(deployment) is None
    assert worker_pids and not any(_alive(pid) for pid in worker_pids)
    assert http_get(dev.base_url + "/api/version") is None


def _worker_pids(deployment: Path) -> list[int]:
    from emulator.journal.store import Journal

    journal = Journal(deployment / ".exchange" / "journal.db")
    entries = wait_for(lambda: journal.read(kinds=["host.start"]), what="host.start in the journal")
    return [int(json.dumps(e.data.get("pid"))) for e in entries]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split(") ")[1][:1]


def test_messages_and_entities_show_what_a_processor_did(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    from click.testing import CliRunner

    from exchange_cli.main import cli

    values = {
        "IN_QUEUE": queue_name,
        "OUT_QUEUE": f"{queue_name}-out",
        "TENANT_ID": "acme",
        "DATABASE_URL": "sqlite:///.exchange/orders.db",
    }
    deployment = make_deployment(tmp_path / "orders", app="orders", values=values)
    proc = DevProcess(deployment, storage_connection_string)
    try:
        proc.wait_for_log("generation 1")
        send(storage_connection_string, queue_name, ['{"id": "A-1", "total": 5}'])
        routed = wait_for(lambda: queue_reader(f"{queue_name}-out"), what="the routed order")
        assert routed[0].json()["payload"] == {"id": "A-1", "total": 5}
        runner = CliRunner()

        def message_kinds() -> list[str]:
            out = runner.invoke(cli, ["messages", "--json", "-d", str(deployment)])
            return [json.loads(line)["kind"] for line in out.output.splitlines()]

        kinds = wait_for(lambda: (k := message_kinds()) and "output.routed" in k and k, what="journaled messages")
        entities = runner.invoke(cli, ["entities", "--json", "-d", str(deployment)])
    finally:
        proc.close()

    assert kinds[0] == "message.in"
    assert entities.exit_code == 0, entities.output
    [entity] = json.loads(entities.output)
    assert (entity["tenant_id"], entity["external_id"], entity["version"]) == ("acme", "A-1", 1)
    assert (deployment / ".exchange" / "orders.db").exists()  # relative to the deployment, as on Azure
