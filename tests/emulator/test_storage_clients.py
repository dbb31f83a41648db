"""The host's own storage clients against a real Azurite (emulator/runtime/storage.py)."""

from __future__ import annotations

import asyncio

import pytest

from emulator.azurite import free_port
from emulator.runtime.storage import StorageClients, async_queue_client
from emulator.testing.plugin import read_queue
from framework.queues import encode_body

_PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


def _dead_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every proxy variable at a port nobody listens on, with nothing exempted."""
    dead = f"http://127.0.0.1:{free_port()}"
    for name in _PROXY_VARIABLES:
        monkeypatch.setenv(name, dead)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_host_clients_reach_local_azurite_without_the_proxy_of_the_environment(
    monkeypatch: pytest.MonkeyPatch, storage_connection_string: str, queue_name: str
) -> None:
    """The host's clients ignore the environment's proxy settings for a local endpoint (otherwise aiohttp reads
    them, and ~/.netrc, in a thread on every request); a proxy that refuses connections shows that they do."""

    async def send_and_receive() -> list[str]:
        clients = StorageClients()
        receiver = async_queue_client(storage_connection_string, queue_name)
        try:
            await clients.send(storage_connection_string, queue_name, encode_body("first"))
            await clients.send(storage_connection_string, queue_name, encode_body("second"))
            pages = receiver.receive_messages(messages_per_page=1, visibility_timeout=30).by_page()
            first = [message async for message in await anext(pages)]
            await receiver.delete_message(first[0])
            return [str(m.content) for m in first]
        finally:
            await receiver.close()
            await clients.close()

    with monkeypatch.context() as env:
        _dead_proxy(env)
        taken = asyncio.run(send_and_receive())

    assert taken == [encode_body("first")]
    assert [m.text for m in read_queue(storage_connection_string, queue_name)] == ["second"]
