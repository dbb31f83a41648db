"""pytest fixtures for testing processors against real services, no mocks.

Registered as the ``exchange`` pytest plugin (an entry point), so a workspace that installs exchange gets them
without a conftest. Azurite is started once per test session on free ports (or ``EXCHANGE_TEST_STORAGE`` names
a storage account to use instead).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from emulator.azurite import AzuriteEndpoints
from framework.queues import Encoding


@dataclass(frozen=True)
class QueueMessageSeen:
    """A message read back from a queue by :func:`read_queue`."""

    #: The decoded body text.
    text: str
    #: How many times it had been dequeued before this read.
    dequeue_count: int

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.text)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzuriteEndpoints]:
    """A real Azurite for the whole session, on free ports, stopped gracefully at the end."""
    from emulator import azurite as az

    proc = az.start(tmp_path_factory.mktemp("azurite"))
    try:
        yield proc.endpoints
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def storage_connection_string(request: pytest.FixtureRequest) -> str:
    """A connection string to real storage: ``EXCHANGE_TEST_STORAGE`` if set, else the session's Azurite."""
    explicit = os.environ.get("EXCHANGE_TEST_STORAGE")
    if explicit:
        return explicit
    endpoints: AzuriteEndpoints = request.getfixturevalue("azurite")
    return endpoints.connection_string


@pytest.fixture
def storage_env(storage_connection_string: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point ``AzureWebJobsStorage`` at the test storage for the duration of the test (as the host would)."""
    monkeypatch.setenv("AzureWebJobsStorage", storage_connection_string)
    return storage_connection_string


@pytest.fixture
def queue_name() -> str:
    """A fresh, valid queue name, unique to the test."""
    return f"t-{uuid.uuid4().hex[:20]}"


def read_queue(
    connection_string: str, queue: str, *, encoding: Encoding = "base64", consume: bool = True, limit: int = 32
) -> list[QueueMessageSeen]:
    """Read up to ``limit`` messages from ``queue`` (decoded), deleting them unless ``consume`` is False.

    A queue that does not exist reads as empty.
    """
    from azure.core.exceptions import ResourceNotFoundError

    from framework.queues import decode_body
    from framework.storage import queue_client

    client = queue_client(queue, connection_string)
    seen: list[QueueMessageSeen] = []
    try:
        if not consume:
            for msg in client.peek_messages(max_messages=min(limit, 32)):
                seen.append(QueueMessageSeen(decode_body(msg.content, encoding).decode(), msg.dequeue_count or 0))
            return seen
        while len(seen) < limit:
            batch = list(client.receive_messages(max_messages=min(32, limit - len(seen)), visibility_timeout=30))
            if not batch:
                break
            for msg in batch:
                seen.append(QueueMessageSeen(decode_body(msg.content, encoding).decode(), (msg.dequeue_count or 1) - 1))
                client.delete_message(msg)
    except ResourceNotFoundError:
        return []
    finally:
        client.close()
    return seen


@pytest.fixture
def queue_reader(storage_connection_string: str) -> Callable[..., list[QueueMessageSeen]]:
    """``queue_reader("orders")`` returns (and removes) what landed on a queue of the test storage."""

    def reader(queue: str, **kwargs: Any) -> list[QueueMessageSeen]:
        return read_queue(storage_connection_string, queue, **kwargs)

    return reader


@pytest.fixture
def exchange_project(tmp_path: Path) -> Path:
    """An empty project folder for the test."""
    path = tmp_path / "project"
    path.mkdir()
    return path
