"""The Host: startup summary, runners, draining with work in flight, the invoker for other runners."""

from __future__ import annotations

import asyncio
from pathlib import Path

import azure.functions as func
import pytest

from emulator.app.deployment import load_deployment
from emulator.journal.store import Journal
from emulator.runtime.host import Host
from emulator.testing.plugin import QueueMessageSeen, read_queue
from tests.emulator.support import deploy, running, send, wait_for


class RecordingRunner:
    """A runner that records what the host asked of it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def start(self, host: Host) -> None:
        self.calls.append(f"start {len(host.functions)}")

    async def drain(self, timeout: float) -> None:
        self.calls.append("drain")


def test_summary_lists_functions_with_triggers_and_bindings(tmp_path: Path, storage_connection_string: str) -> None:
    host = Host(load_deployment(deploy("outputs", tmp_path, values={"Q": "q"})), storage=storage_connection_string)
    summary = host.summary()
    assert summary.startswith("7 functions in ")
    assert "\n  several_outputs  " in summary
    assert "      msg <- queueTrigger q-multi\n" in summary
    assert "      $return -> queue q-ret" in summary


def test_runners_are_started_and_drained_with_the_host(tmp_path: Path, storage_connection_string: str) -> None:
    runner = RecordingRunner()
    host = Host(load_deployment(deploy("outputs", tmp_path, values={"Q": "q"})), storage=storage_connection_string)
    host.add_runner(runner)

    async def lifecycle() -> None:
        await host.start()
        await host.stop()

    asyncio.run(lifecycle())
    assert runner.calls == ["start 7", "drain"]


def test_the_invoker_runs_a_function_by_hand_and_reports_outputs(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    journal = Journal(tmp_path / "journal.db")
    deployment = load_deployment(deploy("outputs", tmp_path / "app", values={"Q": queue_name}))
    host = Host(deployment, storage=storage_connection_string, journal=journal)
    fn = host.function("OUT_LIST")
    assert fn is not None

    async def invoke() -> object:
        try:
            return await host.invoker.invoke(fn, func.QueueMessage(body=b"x"), correlation_id="by-hand")
        finally:
            await host.invoker.close()

    result = asyncio.run(invoke())
    journal.close()
    assert result.ok and result.error is None  # type: ignore[attr-defined]
    assert [o.to_dict() for o in result.outputs] == [  # type: ignore[attr-defined]
        {"binding": "out", "type": "queue", "target": f"{queue_name}-out", "count": 3}
    ]
    assert {e.correlation_id for e in journal.read()} == {"by-hand"}


def test_draining_releases_an_async_functions_message_at_once(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    app = deploy("slow", tmp_path / "app", values={"Q": queue_name})
    with running(app, storage_connection_string, drain_timeout=0.2) as host:
        send(storage_connection_string, f"{queue_name}-async", "30")
        wait_for(lambda: host.entries(kinds=["invocation.start"]), what="the invocation")
    released = wait_for(lambda: host.entries(kinds=["message.retry"]), what="the release")
    assert released[0].status == "released"
    assert [e.status for e in host.entries(kinds=["invocation.end"])] == ["cancelled"]
    # visible again at once: a fresh host picks it up on its second dequeue
    (app / "function_app.py").write_text((app / "function_app.py").read_text().replace("float(msg", "0 * float(msg"))
    with running(app, storage_connection_string) as again:
        ends = wait_for(lambda: len(e := again.entries(kinds=["invocation.end"])) == 2 and e, timeout=5)
    assert [e.status for e in ends] == ["cancelled", "ok"]  # one journal: the first host's attempt, then this one
    assert again.entries(kinds=["invocation.start"])[-1].data["dequeue_count"] == 2


def test_unreachable_storage_is_a_readable_error_naming_function_and_queue(tmp_path: Path) -> None:
    from emulator.azurite import free_port
    from framework.errors import StorageUnavailableError
    from framework.storage import dev_connection_string

    port = free_port()
    storage = dev_connection_string(ports={"Blob": port, "Queue": port, "Table": port})
    host = Host(
        load_deployment(deploy("failing", tmp_path, values={"IN_QUEUE": "orders", "OUT_QUEUE": "x"})), storage=storage
    )

    async def start() -> None:
        try:
            await host.start()
        finally:
            await host.stop()

    with pytest.raises(
        StorageUnavailableError, match="Function always_fails: cannot reach the queue service for queue 'orders'"
    ):
        asyncio.run(start())


def test_an_invalid_output_queue_name_fails_the_invocation_naming_the_binding(
    tmp_path: Path, storage_connection_string: str
) -> None:
    app = deploy("metadata", tmp_path, values={"IN_QUEUE": "in-q", "OUT_QUEUE": "Bad--Name"})
    host = Host(load_deployment(app), storage=storage_connection_string)
    fn = host.function("report_metadata")
    assert fn is not None

    async def invoke() -> object:
        try:
            return await host.invoker.invoke(fn, func.QueueMessage(body=b"{}"))
        finally:
            await host.invoker.close()

    result = asyncio.run(invoke())
    assert not result.ok  # type: ignore[attr-defined]
    assert "function report_metadata, output '$return': queue name 'Bad--Name' is not valid" in str(
        result.error  # type: ignore[attr-defined]
    )


@pytest.mark.subprocess
def test_the_host_survives_an_azurite_restart_and_polls_again(tmp_path: Path) -> None:
    from emulator import azurite as az

    endpoints = az.AzuriteEndpoints(ports={"Blob": az.free_port(), "Queue": az.free_port(), "Table": az.free_port()})
    storage = endpoints.connection_string
    proc = az.start(tmp_path / "azurite", endpoints)
    app = deploy("metadata", tmp_path / "app", values={"IN_QUEUE": "restart-in", "OUT_QUEUE": "restart-out"})
    try:
        with running(app, storage) as host:
            proc.stop()
            proc = az.start(tmp_path / "azurite", endpoints)
            send(storage, "restart-in", '{"after": "restart"}')

            def output() -> list[QueueMessageSeen]:
                return read_queue(storage, "restart-out")

            [seen] = wait_for(output, timeout=30, what="processing after the restart")
            assert seen.json()["json"] == {"after": "restart"}
            assert host.host is not None
    finally:
        proc.stop()


def test_the_functions_see_the_hosts_storage_and_database_over_local_settings(
    tmp_path: Path, storage_connection_string: str
) -> None:
    values = {"Q": "q", "AzureWebJobsStorage": "UseDevelopmentStorage=true", "DATABASE_URL": "sqlite:///local.db"}
    host = Host(
        load_deployment(deploy("outputs", tmp_path, values=values)),
        storage=storage_connection_string,
        database_url="sqlite:///from-the-host.db",
    )
    assert host.functions
    import os

    assert os.environ["AzureWebJobsStorage"] == storage_connection_string
    assert os.environ["DATABASE_URL"] == "sqlite:///from-the-host.db"


def test_invocation_entries_name_the_queue_with_app_settings_resolved(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    app = deploy("passthrough", tmp_path / "app", values={"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-o"})
    with running(app, storage_connection_string) as host:
        send(storage_connection_string, queue_name, "hello")
        ends = wait_for(lambda: host.entries(kinds=["invocation.end"]), what="the invocation")

    assert ends[0].queue == queue_name  # not "%IN_QUEUE%": the TUI and `exchange messages --queue` filter on it
