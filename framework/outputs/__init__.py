"""Output handlers: where processed messages go (a storage queue, files, Service Bus, nowhere)."""

from framework.outputs.base import OutputHandler, OutputResult, outgoing_messages
from framework.outputs.file import FileOutputHandler
from framework.outputs.noop import NoOpOutputHandler
from framework.outputs.queue import QueueOutputHandler
from framework.outputs.servicebus import ServiceBusOutputHandler

__all__ = [
    "FileOutputHandler",
    "NoOpOutputHandler",
    "OutputHandler",
    "OutputResult",
    "QueueOutputHandler",
    "ServiceBusOutputHandler",
    "outgoing_messages",
]
