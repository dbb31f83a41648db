"""Small processors and helpers shared by the handler tests."""

from __future__ import annotations

import itertools
import time
from typing import Any

from framework import Message, ProcessingResult, ProcessorContext, ProcessorInterface


class Flaky(ProcessorInterface):
    """Raises ``error`` for the first ``failures`` calls, then persists an entity; records when it was called."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or ConnectionError("database went away")
        self.calls: list[float] = []

    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        self.calls.append(time.monotonic())
        if len(self.calls) <= self.failures:
            raise self.error
        entity_id = context.persist_entity(message.payload["id"], "order", "test", message.payload)
        return ProcessingResult.create_success(entities_created=[entity_id])


class Returns(ProcessorInterface):
    """Returns whatever ``make()`` builds, counting calls (v1 signature)."""

    def __init__(self, make: Any, valid: bool = True) -> None:
        self.make = make
        self.valid = valid
        self.calls = 0

    def validate_message(self, message: Message) -> bool:
        return self.valid

    def process(self, message: Message) -> ProcessingResult:  # type: ignore[override]
        self.calls += 1
        return self.make()  # type: ignore[no-any-return]


def gaps(times: list[float]) -> list[float]:
    """Seconds between consecutive times."""
    return [b - a for a, b in itertools.pairwise(times)]


class QueueHost:
    """What the Functions host does for a queue trigger, in the test's thread: receive, run, delete on return.

    A delivery whose handler raises is left to its lease (made visible again after ``visibility_s``), as the host
    does; :meth:`run` keeps delivering until the queue holds nothing, visible or not.
    """

    def __init__(
        self,
        handler: Any,
        connection: str,
        queue: str,
        visibility_s: int = 1,
        results: dict[str, ProcessingResult] | None = None,
    ) -> None:
        from framework.storage import queue_client

        self.handler = handler
        self.client = queue_client(queue, connection)
        self.visibility_s = visibility_s
        self.delivered: list[tuple[float, int]] = []  # (when, retry_count) of each delivery
        self.raised: list[BaseException] = []
        #: message id -> the result of its last delivery (shared by hosts racing on one queue, when given)
        self.results: dict[str, ProcessingResult] = {} if results is None else results

    def pending(self) -> int:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return int(self.client.get_queue_properties().approximate_message_count or 0)
        except ResourceNotFoundError:
            return 0

    def deliver_one(self) -> bool:
        """One visible message, if any, handled as the host would; False when none was visible."""
        from framework.queues import decode_body

        batch = list(self.client.receive_messages(max_messages=1, visibility_timeout=30))
        if not batch:
            return False
        raw = batch[0]
        message = Message.create_from_queue_data(decode_body(raw.content))
        self.delivered.append((time.monotonic(), message.retry_count))
        try:
            self.results[message.message_id] = self.handler.execute(message)
        except Exception as exc:  # the host keeps the message: visible again after its visibility timeout
            self.raised.append(exc)
            self.client.update_message(raw, visibility_timeout=self.visibility_s)
            return True
        self.client.delete_message(raw)
        return True

    def run(self, timeout: float = 30.0, max_deliveries: int = 50) -> QueueHost:
        """Deliver until the queue is empty (waiting for delayed messages), within ``timeout`` seconds."""
        from emulator.testing.host import wait_for

        def drained() -> bool:
            while self.deliver_one() and len(self.delivered) < max_deliveries:
                pass
            return not self.pending() or len(self.delivered) >= max_deliveries

        wait_for(drained, timeout, what=f"queue {self.client.queue_name} to be drained")
        return self


def deliver(handler: Any, storage: str, *messages: Message) -> QueueHost:
    """Put ``messages`` on the handler's source queue and deliver them (and their retries) as the host would."""
    from framework.transport import StorageQueueTransport

    transport = StorageQueueTransport()
    for message in messages:
        transport.send(handler.config.source_queue, message.to_json(), connection=storage)
    transport.close()
    return QueueHost(handler, storage, handler.config.source_queue).run()
