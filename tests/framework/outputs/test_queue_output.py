"""QueueOutputHandler against a real Azurite: base64 envelope JSON, queue created, failures reported."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable

import pytest

from emulator.testing.host import wait_for
from emulator.testing.plugin import QueueMessageSeen
from framework import Message, ProcessingResult, QueueOutputHandler
from framework.events import capture
from framework.storage import dev_connection_string, queue_client


def test_sends_base64_envelope_to_a_queue_it_creates(
    storage_env: str, queue_name: str, queue_reader: Callable[..., list[QueueMessageSeen]]
) -> None:
    message = Message(payload={"order": 1})
    handler = QueueOutputHandler(queue_name, {"retry_count": 3, "timeout_seconds": 30, "exponential_backoff": True})

    with capture() as seen:
        outcome = handler.handle(message, ProcessingResult.create_success())

    assert outcome.ok, outcome.error
    raw = list(queue_client(queue_name, storage_env).peek_messages())
    body = json.loads(base64.b64decode(raw[0].content))
    assert body["envelope_version"] == 1 and body["payload"] == {"order": 1}
    assert body["metadata"]["previous_message_id"] == message.message_id
    assert [m.json()["correlation_id"] for m in queue_reader(queue_name)] == [message.correlation_id]
    routed = [e.data for e in seen if e.kind == "output.routed"]
    assert routed == [
        {
            "handler": "queue",
            "destination": queue_name,
            "message_id": message.message_id,
            "ok": True,
            "count": 1,
            "error": None,
        }
    ]


def test_connection_string_from_config_and_named_setting(
    storage_connection_string: str,
    queue_name: str,
    monkeypatch: pytest.MonkeyPatch,
    queue_reader: Callable[..., list[QueueMessageSeen]],
) -> None:
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    monkeypatch.setenv("MyStorage", storage_connection_string)

    assert QueueOutputHandler(queue_name, {"connection_string": storage_connection_string}).handle(Message()).ok
    assert QueueOutputHandler(queue_name, {"connection": "MyStorage"}).handle(Message()).ok
    missing = QueueOutputHandler(queue_name, {"connection": "NotSet"}).handle(Message())

    assert len(queue_reader(queue_name)) == 2
    assert not missing.ok and not missing.retryable and "'NotSet' is not set" in (missing.error or "")


def test_unreachable_storage_is_a_retryable_failure(queue_name: str) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = dev_connection_string(ports={"Queue": sock.getsockname()[1]})
    handler = QueueOutputHandler(queue_name, {"connection_string": dead, "retry_count": 0})

    outcome = handler.handle(Message(payload={}))

    assert not outcome.ok and outcome.retryable and outcome.error_type == "ServiceRequestError"


def test_visibility_timeout_and_time_to_live_are_passed_to_the_queue(storage_env: str, queue_name: str) -> None:
    handler = QueueOutputHandler(queue_name, {"visibility_timeout": 1, "time_to_live": 60})
    assert handler.handle(Message()).ok
    client = queue_client(queue_name, storage_env)

    assert list(client.peek_messages()) == []  # hidden for a second
    seen = wait_for(lambda: list(client.peek_messages()), timeout=10, what="the message to become visible")
    assert abs((seen[0].expires_on - seen[0].inserted_on).total_seconds() - 60) < 2
