"""Host.prepare: queues opened before start (a reload's load does it while the old generation drains)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient

from emulator.app.deployment import load_deployment
from emulator.runtime.host import Host
from emulator.runtime.storage import async_queue_client
from emulator.testing.plugin import read_queue
from tests.emulator.support import deploy, send

T = TypeVar("T")


async def until(condition: Callable[[], T], timeout: float = 20.0) -> T:
    """Await ``condition()`` being truthy (the host runs on this loop meanwhile); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return value


def queue_exists(conn: str, queue: str) -> bool:
    try:
        QueueClient.from_connection_string(conn, queue).get_queue_properties()
    except ResourceNotFoundError:
        return False
    return True


def test_prepare_creates_the_trigger_queue_without_receiving(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    app = deploy("passthrough", tmp_path / "app", values={"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out"})
    host = Host(load_deployment(app), storage=storage_connection_string)

    async def prepare_only() -> None:
        await host.prepare()
        send(storage_connection_string, queue_name, "held")
        await asyncio.sleep(0)  # nothing polls: the message stays put
        await host.stop()

    asyncio.run(prepare_only())

    assert [m.text for m in read_queue(storage_connection_string, queue_name)] == ["held"]


def test_a_queue_deleted_after_a_spare_warmed_its_client_is_created_again_and_served(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    out = f"{queue_name}-out"
    app = deploy("passthrough", tmp_path / "app", values={"IN_QUEUE": queue_name, "OUT_QUEUE": out})
    host = Host(load_deployment(app), storage=storage_connection_string)
    QueueClient.from_connection_string(storage_connection_string, queue_name).create_queue()

    async def reload_after_delete() -> list[str]:
        warm = {(storage_connection_string, queue_name): async_queue_client(storage_connection_string, queue_name)}
        QueueClient.from_connection_string(storage_connection_string, queue_name).delete_queue()
        await host.prepare(warm)
        assert warm == {}  # the poller took the warm client
        await host.start()
        try:  # the first receive finds no queue and creates it, as a start would have; then messages are served
            await until(lambda: queue_exists(storage_connection_string, queue_name))
            send(storage_connection_string, queue_name, "after the delete")
            seen = await until(lambda: read_queue(storage_connection_string, out))
            return [m.text for m in seen]
        finally:
            await host.stop()

    assert asyncio.run(reload_after_delete()) == ["after the delete"]
