"""Handler config is checked at construction: an unknown key or a bad value names the key and what is allowed."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from framework import (
    ConfigurationError,
    FileOutputHandler,
    Message,
    NoOpOutputHandler,
    OutputConfigError,
    QueueOutputHandler,
    ServiceBusOutputHandler,
)
from framework.queues import InvalidQueueNameError


def test_unknown_key_is_named_with_the_allowed_keys() -> None:
    with pytest.raises(OutputConfigError) as caught:
        QueueOutputHandler("next-queue", {"retry_cont": 3})
    text = str(caught.value)
    assert "'retry_cont'" in text and "retry_count" in text and "timeout_seconds" in text


@pytest.mark.parametrize(
    ("handler", "config", "key"),
    [
        (QueueOutputHandler, {"retry_count": -1}, "retry_count"),
        (QueueOutputHandler, {"retry_count": True}, "retry_count"),
        (QueueOutputHandler, {"timeout_seconds": "30"}, "timeout_seconds"),
        (QueueOutputHandler, {"exponential_backoff": "yes"}, "exponential_backoff"),
        (FileOutputHandler, {"file_pattern": "../{message_id}.json"}, "file_pattern"),
        (FileOutputHandler, {"file_pattern": "/etc/{message_id}.json"}, "file_pattern"),
        (FileOutputHandler, {"file_pattern": "{order_id}.json"}, "file_pattern"),
        (FileOutputHandler, {"format": "xml"}, "format"),
        (ServiceBusOutputHandler, {"time_to_live": 0}, "time_to_live"),
    ],
)
def test_bad_value_is_named(handler: Any, config: dict[str, Any], key: str) -> None:
    with pytest.raises(OutputConfigError, match=f"config key '{key}' has bad value"):
        handler("dest-queue", config)


def test_invalid_queue_name_fails_at_construction() -> None:
    with pytest.raises(InvalidQueueNameError):
        QueueOutputHandler("Bad_Queue")


def test_noop_accepts_no_config_and_delivers_nothing() -> None:
    with pytest.raises(OutputConfigError, match="allowed keys: none"):
        NoOpOutputHandler(config={"x": 1})
    outcome = NoOpOutputHandler().handle(Message(payload={"a": 1}))
    assert outcome.ok and len(outcome.delivered) == 1


def test_service_bus_without_a_connection_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ServiceBusConnection", raising=False)
    handler = ServiceBusOutputHandler(
        "critical-notifications", {"session_id": "order_processing", "time_to_live": 3600}
    )

    outcome = handler.handle(Message(payload={}))

    assert not outcome.ok and not outcome.retryable
    assert "ServiceBusConnection is not set" in (outcome.error or "")
    with pytest.raises(ConfigurationError, match="ServiceBusConnection"):
        handler.connection_string()


def test_service_bus_without_the_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("azure.servicebus") is not None:
        pytest.skip("the servicebus extra is installed here")
    monkeypatch.setenv("ServiceBusConnection", "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKey=x")

    outcome = ServiceBusOutputHandler("critical").handle(Message(payload={}))

    assert not outcome.ok and "pip install 'exchange[servicebus]'" in (outcome.error or "")
