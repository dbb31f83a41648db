"""Send processed messages to an Azure Service Bus queue or topic.

Needs the ``servicebus`` extra (``pip install 'exchange[servicebus]'``) and a connection string: the
``connection_string`` config key, else the app setting named by ``connection`` (default ``ServiceBusConnection``).
Both are looked up when a message is delivered, so building the handler never needs Service Bus. There is no
local Service Bus emulator in this toolkit: locally, use a QueueOutputHandler.
"""

from __future__ import annotations

from datetime import timedelta

from framework.context import current_settings
from framework.errors import ConfigurationError
from framework.message import Message
from framework.outputs.base import Option, OutputHandler, positive

DEFAULT_SETTING = "ServiceBusConnection"


class ServiceBusOutputHandler(OutputHandler):
    """Delivers to a Service Bus queue or topic named by ``destination``."""

    kind = "servicebus"
    options = {
        "connection_string": Option(str, "a Service Bus connection string"),
        "connection": Option(str, f"name of the app setting holding it (default {DEFAULT_SETTING})"),
        "session_id": Option(str, "session id for session-enabled queues"),
        "time_to_live": Option((int, float), "seconds the message lives, > 0", positive),
        "timeout_seconds": Option((int, float), "send timeout, > 0", positive),
    }

    def connection_string(self) -> str:
        """The connection string to use; raises :class:`ConfigurationError` naming what to set."""
        if "connection_string" in self.config:
            return str(self.config["connection_string"])
        setting = self.config.get("connection", DEFAULT_SETTING)
        value = current_settings().get(setting, "").strip()
        if not value:
            raise ConfigurationError(
                f"Service Bus output {self.destination!r}: no connection string ({setting} is not set).",
                hint=f"set {setting} in local.settings.json Values, or pass config={{'connection_string': ...}}",
            )
        return value

    def deliver(self, messages: list[Message]) -> list[str]:
        """Send every message's envelope JSON in one batch."""
        conn = self.connection_string()
        try:
            from azure.servicebus import ServiceBusClient, ServiceBusMessage
        except ImportError as exc:
            raise ConfigurationError(
                "ServiceBusOutputHandler needs the azure-servicebus package.",
                hint="pip install 'exchange[servicebus]'",
            ) from exc
        ttl = self.config.get("time_to_live")
        outgoing = [
            ServiceBusMessage(
                m.to_json(),
                message_id=m.message_id,
                correlation_id=m.correlation_id,
                session_id=self.config.get("session_id"),
                time_to_live=timedelta(seconds=ttl) if ttl else None,
                content_type="application/json",
            )
            for m in messages
        ]
        client = ServiceBusClient.from_connection_string(conn)
        with client, client.get_queue_sender(self.destination) as sender:
            sender.send_messages(outgoing, timeout=self.config.get("timeout_seconds"))
        return [m.message_id for m in messages]
