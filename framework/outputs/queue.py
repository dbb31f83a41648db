"""Send processed messages to an Azure Storage queue (Azurite locally), encoded as the Functions host reads them.

Every send goes through the queue transport of the runtime in force (:mod:`framework.transport`): on Azure the
storage account from settings, under ``exchange dev`` the host's own clients (its host.json ``messageEncoding``,
its journal, a wake-up of the next stage's poller). The connection comes from ``connection_string``, else the app
setting named by ``connection`` (as a Functions binding names it), else ``AzureWebJobsStorage``. The queue is
created when missing.

The framework never sleeps to retry: ``retry_count`` extra sends are made at once on a transient failure (the
storage SDK's own retry policy spaces its requests); a send that still fails fails the attempt as retryable, and
the message is retried through its queue with the processor's :class:`~framework.retry.RetryPolicy` backoff.
``exponential_backoff`` is accepted for the design document's configs and has no effect of its own.
"""

from __future__ import annotations

from typing import Any

from framework.classify import is_transient
from framework.context import current_runtime, current_settings
from framework.errors import ConfigurationError
from framework.message import Message
from framework.outputs.base import Option, OutputHandler, non_negative, positive
from framework.queues import validate_queue_name


def send_to_queue(queue: str, text: str, connection_string: str | None = None, **options: Any) -> str:
    """Put JSON ``text`` on ``queue`` through the runtime's transport (creating the queue); the message id."""
    delay = options.pop("visibility_timeout", 0) or 0
    return current_runtime().transport.send(queue, text, connection=connection_string, delay_s=delay, **options)


class QueueOutputHandler(OutputHandler):
    """Delivers to an Azure Storage queue."""

    kind = "queue"
    options = {
        "connection_string": Option(str, "a storage connection string (default: AzureWebJobsStorage)"),
        "connection": Option(str, "name of the app setting holding the connection string"),
        "retry_count": Option(int, "extra sends at once on a transient failure, 0-10", lambda v: 0 <= v <= 10),
        "timeout_seconds": Option((int, float), "server timeout per send, > 0", positive),
        "exponential_backoff": Option(bool, "accepted; retries are spaced by the processor's RetryPolicy"),
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
        value = current_settings().get(setting)
        if not value:
            raise ConfigurationError(
                f"Queue output {self.destination!r}: app setting {setting!r} is not set.",
                hint=f"set {setting} in local.settings.json (Values) or the app's configuration",
            )
        return value

    def deliver(self, messages: list[Message]) -> list[str]:
        """Send each message's envelope JSON to the queue."""
        conn = self._connection_string()
        options = {
            key: int(self.config[name])
            for name, key in (
                ("visibility_timeout", "visibility_timeout"),
                ("time_to_live", "time_to_live"),
                ("timeout_seconds", "timeout"),
            )
            if name in self.config
        }
        return [self._send(message.to_json(), conn, options) for message in messages]

    def _send(self, text: str, conn: str | None, options: dict[str, Any]) -> str:
        retries = int(self.config.get("retry_count", 3))
        for attempt in range(retries + 1):
            try:
                return send_to_queue(self.destination, text, conn, **options)
            except Exception as exc:
                if attempt == retries or not is_transient(exc):
                    raise
        raise AssertionError("unreachable")  # the loop returns or raises
