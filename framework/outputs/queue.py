"""Send processed messages to an Azure Storage queue (Azurite locally), base64-encoded as the Functions host reads.

The connection comes from ``connection_string``, else the app setting named by ``connection`` (as a Functions
binding names it), else ``AzureWebJobsStorage``. The queue is created when missing. Transient failures are retried
``retry_count`` times, with exponential backoff when ``exponential_backoff`` is on (else a fixed 0.5 s).
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any

from framework.classify import is_transient
from framework.errors import ConfigurationError
from framework.message import Message
from framework.outputs.base import Option, OutputHandler, non_negative, positive
from framework.queues import encode_body, send_text, validate_queue_name
from framework.retry import compute_backoff
from framework.storage import queue_client

if TYPE_CHECKING:
    from azure.storage.queue import QueueClient

_clients: dict[tuple[str | None, str], QueueClient] = {}
_clients_lock = threading.Lock()


def cached_queue_client(queue: str, connection_string: str | None) -> QueueClient:
    """One client per (connection, queue) per process: building one costs more than a send."""
    key = (connection_string or os.environ.get("AzureWebJobsStorage"), queue)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = queue_client(queue, connection_string)
        return client


def send_to_queue(queue: str, text: str, connection_string: str | None = None, **kwargs: Any) -> str:
    """Put already-JSON ``text`` on ``queue`` base64-encoded (creating the queue); returns the queue message id."""
    return send_text(cached_queue_client(queue, connection_string), encode_body(text), **kwargs)


class QueueOutputHandler(OutputHandler):
    """Delivers to an Azure Storage queue."""

    kind = "queue"
    options = {
        "connection_string": Option(str, "a storage connection string (default: AzureWebJobsStorage)"),
        "connection": Option(str, "name of the app setting holding the connection string"),
        "retry_count": Option(int, "extra attempts on a transient failure, 0-10", lambda v: 0 <= v <= 10),
        "timeout_seconds": Option((int, float), "server timeout per send, > 0", positive),
        "exponential_backoff": Option(bool, "true: back off 0.5 s, 1 s, 2 s...; false: a fixed 0.5 s"),
        "visibility_timeout": Option(int, "seconds before the message becomes visible, >= 0", non_negative),
        "time_to_live": Option(int, "seconds the message lives, > 0 or -1 for ever", lambda v: v == -1 or v > 0),
    }

    def __init__(self, destination: str, config: dict[str, Any] | None = None) -> None:
        super().__init__(validate_queue_name(destination), config)

    def _connection_string(self) -> str | None:
        if "connection_string" in self.config:
            return str(self.config["connection_string"])
        setting = self.config.get("connection")
        if setting is None:
            return None
        value = os.environ.get(setting)
        if not value:
            raise ConfigurationError(
                f"Queue output {self.destination!r}: app setting {setting!r} is not set.",
                hint=f"set {setting} in local.settings.json (Values) or the app's configuration",
            )
        return value

    def deliver(self, messages: list[Message]) -> list[str]:
        """Send each message's envelope JSON to the queue."""
        conn = self._connection_string()
        send_options = {
            key: self.config[name]
            for name, key in (
                ("visibility_timeout", "visibility_timeout"),
                ("time_to_live", "time_to_live"),
                ("timeout_seconds", "timeout"),
            )
            if name in self.config
        }
        return [self._send(message.to_json(), conn, send_options) for message in messages]

    def _send(self, text: str, conn: str | None, send_options: dict[str, Any]) -> str:
        retries = int(self.config.get("retry_count", 3))
        for attempt in range(retries + 1):
            try:
                return send_to_queue(self.destination, text, conn, **send_options)
            except Exception as exc:
                if attempt == retries or not is_transient(exc):
                    raise
                exponential = self.config.get("exponential_backoff", True)
                time.sleep(compute_backoff(attempt + 1, 0.5, 2.0 if exponential else 1.0, cap=8.0))
        raise AssertionError("unreachable")  # the loop returns or raises
