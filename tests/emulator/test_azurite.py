"""The managed Azurite: a real process, real queues."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from emulator import azurite as az
from emulator.testing.plugin import QueueMessageSeen
from framework.queues import encode_body, send_text
from framework.storage import queue_client

pytestmark = pytest.mark.subprocess


def test_session_azurite_round_trips_a_base64_message(
    storage_connection_string: str, queue_name: str, queue_reader: Callable[..., list[QueueMessageSeen]]
) -> None:
    client = queue_client(queue_name, storage_connection_string)
    send_text(client, encode_body('{"order": 1}'))  # the queue does not exist yet: send creates it

    seen = queue_reader(queue_name)

    assert [m.json() for m in seen] == [{"order": 1}]
    assert queue_reader(queue_name) == []


def test_answers_is_false_for_a_port_that_is_not_azurite() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        endpoints = az.AzuriteEndpoints(ports={"Blob": port, "Queue": port, "Table": port})
        assert az.is_listening("127.0.0.1", port)
        assert not az.answers(endpoints, timeout=0.5)


def test_start_refuses_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        endpoints = az.AzuriteEndpoints(ports={"Blob": az.free_port(), "Queue": port, "Table": az.free_port()})
        with pytest.raises(az.AzuriteError, match=f"port {port} \\(queue service\\)"):
            az.start(tmp_path, endpoints)


def test_detached_azurite_is_recorded_and_stopped(tmp_path: Path) -> None:
    endpoints = az.AzuriteEndpoints(ports={"Blob": az.free_port(), "Queue": az.free_port(), "Table": az.free_port()})
    proc = az.start_detached(tmp_path, endpoints)
    try:
        assert az.recorded(tmp_path) is not None
        assert az.answers(endpoints)
    finally:
        assert az.stop_detached(tmp_path)
    assert az.recorded(tmp_path) is None
    assert not az.is_listening("127.0.0.1", proc.endpoints.queue_port)


def test_the_managed_azurite_serves_tables_too(azurite: az.AzuriteEndpoints) -> None:
    from azure.data.tables import TableServiceClient

    with TableServiceClient.from_connection_string(azurite.connection_string) as service:
        service.create_table_if_not_exists("exchangeprobe")
        assert "exchangeprobe" in [t.name for t in service.list_tables()]
        service.delete_table("exchangeprobe")


def test_a_launched_azurite_is_waited_for_and_owned_by_ensure(tmp_path: Path) -> None:
    endpoints = az.AzuriteEndpoints(ports={"Blob": az.free_port(), "Queue": az.free_port(), "Table": az.free_port()})
    launched = az.launch(tmp_path / ".exchange" / "azurite", endpoints)
    try:
        found, managed = az.ensure(tmp_path, endpoints, launched=launched)

        assert (found, managed) == (endpoints, launched)
        assert managed.started_here and az.answers(endpoints)
        assert az.owner_file(tmp_path).is_file()  # a killed owner's Azurite can be adopted, as with start()
    finally:
        launched.stop()
    assert not az.is_listening("127.0.0.1", endpoints.queue_port)
