"""The queue trigger: one asyncio poller per queue-triggered function, with the WebJobs queue processor's rules.

- Receive ``batchSize`` messages; receive again when the number in flight drops to ``newBatchThreshold``.
- Each message is leased (received with a visibility timeout of :data:`LEASE_S`, renewed while the function runs),
  so no two invocations ever hold it at once, and a message whose worker died reappears when its lease runs out.
  The real host leases for 10 minutes; locally 30 s, so a crashed worker's message comes back quickly.
- An idle queue is polled with a backoff from 100 ms doubling up to host.json's ``maxPollingInterval``, capped
  locally at 250 ms (see :data:`emulator.app.deployment.LOCAL_MAX_POLLING_INTERVAL_S`); a queue written by this host's
  own output bindings is polled at once.
- Success deletes the message. Failure makes it visible again after ``visibilityTimeout``; once its dequeue count
  reached ``maxDequeueCount`` it is copied to ``<queue>-poison`` and deleted. Text that does not decode under
  ``messageEncoding`` goes to poison at once, with the reason logged and journaled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from azure.functions.queue import QueueMessage

from emulator.app.deployment import QueueSettings
from emulator.app.functions import FunctionInfo
from emulator.conversion.bindings import queue_metadata, queue_name
from emulator.journal.store import truncate
from emulator.runtime.storage import async_queue_client, connection_for
from framework.errors import StorageUnavailableError
from framework.queues import Encoding, MessageDecodeError, decode_body

if TYPE_CHECKING:
    from azure.storage.queue import QueueMessage as RawMessage
    from azure.storage.queue.aio import QueueClient

    from emulator.runtime.invocation import Invoker

log = logging.getLogger("emulator.queue")

#: How long a received message stays invisible to others; renewed every third of it while the function runs.
LEASE_S = 30.0
MIN_POLLING_INTERVAL_S = 0.1


@dataclass
class _Lease:
    """A message this poller holds: its latest pop receipt, guarded against renewal racing settlement."""

    message: RawMessage
    pop_receipt: str
    renewed_at: float = field(default_factory=time.monotonic)
    settled: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class PollerStats:
    """Counters of one poller (for the startup summary, tests and benchmarks)."""

    received: int = 0
    succeeded: int = 0
    failed: int = 0
    poisoned: int = 0


class QueuePoller:
    """Polls the queue of one queue-triggered function and invokes it for each message."""

    def __init__(
        self, fn: FunctionInfo, invoker: Invoker, settings: QueueSettings, *, lease_s: float = LEASE_S
    ) -> None:
        self.fn = fn
        self.invoker = invoker
        self.settings = settings
        self.lease_s = lease_s
        where = f"function {fn.name}, queue trigger"
        self.queue = queue_name(str(fn.trigger.settings.get("queueName", "")), where=where)
        self.poison_queue = f"{self.queue}-poison"
        self.stats = PollerStats()
        self._conn = connection_for(fn.trigger.settings.get("connection"), invoker.storage)
        self._client: QueueClient | None = None
        self._leases: dict[asyncio.Task[None], _Lease] = {}
        self._wake = asyncio.Event()
        self._slot_free = asyncio.Event()
        self._stopping = False
        self._unreachable = False
        self._assumed_existing = False
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def connection(self) -> str:
        """The connection string of the trigger's storage account."""
        return self._conn

    async def prepare(self, warm_client: QueueClient | None = None) -> None:
        """Open the client and create the queue if it is missing, without receiving anything yet.

        ``warm_client``: a client on this queue that a warm spare opened (and created the queue with) before the
        code was loaded, so that a reload makes no round trip here; should the queue be gone by the first receive,
        it is created then.
        """
        from azure.core.exceptions import ResourceExistsError, ServiceRequestError

        if self._client is not None:
            return
        if warm_client is not None:
            self._client, self._assumed_existing = warm_client, True
            return
        self._client = async_queue_client(self._conn, self.queue)
        try:
            with contextlib.suppress(ResourceExistsError):
                await self._client.create_queue()
        except ServiceRequestError as exc:
            await self._client.close()
            self._client = None
            raise StorageUnavailableError(
                f"Function {self.fn.name}: cannot reach the queue service for queue {self.queue!r}: {exc}",
                hint="start Azurite (exchange azurite start) or check the AzureWebJobsStorage connection string",
            ) from exc

    async def start(self) -> None:
        """Create the queue if it is missing (unless :meth:`prepare` did) and start polling."""
        await self.prepare()
        self._tasks = [asyncio.create_task(self._poll(), name=f"poll {self.queue}"), asyncio.create_task(self._renew())]

    def wake(self) -> None:
        """Poll now (a message was just sent to this queue by this host)."""
        self._wake.set()

    @property
    def in_flight(self) -> int:
        """Messages being processed now."""
        return len(self._leases)

    # -- polling ---------------------------------------------------------------------------------------------

    async def _poll(self) -> None:
        delay = MIN_POLLING_INTERVAL_S
        cap = max(self.settings.local_polling_cap_s, MIN_POLLING_INTERVAL_S)
        while not self._stopping:
            await self._wait_for_capacity()
            if self._stopping:
                break
            self._wake.clear()  # before receiving: a wake-up during the request is not lost
            batch = await self._receive_or_report(self.settings.batch_size)
            if batch is None:
                await self._idle(1.0)
                continue
            if self._stopping:  # drained while receiving: hand them back at once
                await asyncio.gather(*(self._settle(_Lease(m, m.pop_receipt or ""), "retry", 0) for m in batch))
                break
            for message in batch:
                self._begin(message)
            if batch:
                delay = MIN_POLLING_INTERVAL_S
            else:
                await self._idle(delay)
                delay = min(delay * 2, cap)

    async def _receive_or_report(self, count: int) -> list[RawMessage] | None:
        """A batch; None when the queue service failed (logged once per outage, not once per poll)."""
        try:
            batch = await self._receive(count)
        except Exception as exc:  # Azurite down or restarting: keep the host alive and try again
            if self._assumed_existing and getattr(exc, "error_code", None) == "QueueNotFound":
                await self._create_missing()
                return []
            if not self._unreachable:
                log.warning(
                    "queue %s: receive failed (%s); retrying every second - is the queue service (Azurite) running?",
                    self.queue,
                    exc,
                )
                self._unreachable = True
            return None
        if self._unreachable:
            log.warning("queue %s: receiving again", self.queue)
            self._unreachable = False
        return batch

    async def _create_missing(self) -> None:
        """Create the queue a warm client assumed (deleted since the spare opened it), as a start would have."""
        from azure.core.exceptions import ResourceExistsError

        assert self._client is not None
        self._assumed_existing = False
        with contextlib.suppress(ResourceExistsError):
            await self._client.create_queue()

    async def _idle(self, seconds: float) -> None:
        """Wait ``seconds``, or less when :meth:`wake` is called."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _wait_for_capacity(self) -> None:
        while self.in_flight > self.settings.new_batch_threshold and not self._stopping:
            self._slot_free.clear()
            await self._slot_free.wait()

    async def _receive(self, count: int) -> list[RawMessage]:
        assert self._client is not None
        pager = self._client.receive_messages(
            messages_per_page=count, max_messages=count, visibility_timeout=max(1, round(self.lease_s))
        )
        async for page in pager.by_page():  # one request: the pager would ask again when a page comes back short
            return [message async for message in page]
        return []

    def _begin(self, message: RawMessage) -> None:
        self.stats.received += 1
        lease = _Lease(message, message.pop_receipt or "")
        task = asyncio.create_task(self._handle(lease))
        self._leases[task] = lease
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._leases.pop(task, None)
        self._slot_free.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("queue %s: message handling failed", self.queue, exc_info=task.exception())

    # -- one message -----------------------------------------------------------------------------------------

    async def _handle(self, lease: _Lease) -> None:
        message = lease.message
        encoding = self.settings.message_encoding
        dequeues = message.dequeue_count or 0
        if dequeues > self.settings.max_dequeue_count:  # its earlier attempts never finished (a worker crashed)
            reason = f"dequeued {dequeues} times without finishing (maxDequeueCount {self.settings.max_dequeue_count})"
            await self._poison(lease, reason)
            return
        try:
            body = decode_body(message.content or "", encoding)
        except MessageDecodeError as exc:
            await self._poison(lease, exc.message, hint=exc.hint)
            return
        if time.monotonic() - lease.renewed_at > self.lease_s / 2 and not await self._renew_one(lease):
            return  # waited so long for its turn that the lease may have lapsed, and it could not be renewed
        trigger = _trigger_message(message, body)
        body_text = body.decode("utf-8", errors="replace")
        self._journal("message.in", message, data={"body": truncate(body_text), "dequeue_count": dequeues})
        metadata = queue_metadata(trigger, body_text)
        result = await self.invoker.invoke(
            self.fn, trigger, trigger_details=metadata, correlation_id=_correlation_id(metadata)
        )
        if result.still_running is not None:  # keep the lease until the timed-out thread ends: never run it twice
            await asyncio.wait({result.still_running})
        if result.ok:
            await self._settle(lease, "delete")
            self.stats.succeeded += 1
        elif dequeues >= self.settings.max_dequeue_count:
            await self._poison(lease, f"failed {dequeues} times; last error: {_describe(result.error)}")
        else:
            await self._retry(lease, result.error)

    async def _retry(self, lease: _Lease, error: BaseException | None) -> None:
        """Make a failed message visible again after visibilityTimeout."""
        self.stats.failed += 1
        await self._settle(lease, "retry")
        visible_in = self.settings.visibility_timeout_s
        self._journal(
            "message.retry", lease.message, status="retry", data={"visible_in_s": visible_in, "error": _describe(error)}
        )

    async def _poison(self, lease: _Lease, reason: str, hint: str | None = None) -> None:
        """Copy the message to the poison queue, then delete it; say why, with its body and what to do."""
        message = lease.message
        self.stats.poisoned += 1
        body = _readable_body(message.content or "", self.settings.message_encoding)
        hint = hint or f"fix the cause, then `exchange poison replay {self.queue}` puts it back on the queue"
        await self.invoker.transport.send_texts(self._conn, self.poison_queue, [message.content or ""])
        log.error(
            "POISON queue %s message %s -> %s: %s\n  body: %s\n  hint: %s",
            self.queue,
            message.id,
            self.poison_queue,
            reason,
            _snippet(body),
            hint,
        )
        await self._settle(lease, "delete")
        self._journal(
            "message.poison",
            message,
            status="poison",
            data={"reason": reason, "poison_queue": self.poison_queue, "body": truncate(body)},
        )

    async def _settle(self, lease: _Lease, action: str, visibility_s: float | None = None) -> None:
        """Delete the message, or make it visible again after ``visibility_s`` (default visibilityTimeout)."""
        assert self._client is not None
        async with lease.lock:
            lease.settled = True
            try:
                if action == "delete":
                    await self._client.delete_message(lease.message.id, lease.pop_receipt)
                else:
                    wait = self.settings.visibility_timeout_s if visibility_s is None else visibility_s
                    await self._client.update_message(
                        lease.message.id, lease.pop_receipt, visibility_timeout=round(wait)
                    )
            except Exception as exc:  # lease lost (e.g. the function outran it): the message comes back anyway
                log.warning("queue %s: could not %s message %s: %s", self.queue, action, lease.message.id, exc)

    async def _renew(self) -> None:
        """Extend the lease of every message held longer than a third of it, while its function runs."""
        assert self._client is not None
        interval = self.lease_s / 3
        while True:
            await asyncio.sleep(interval / 2)
            now = time.monotonic()
            due = [lease for lease in self._leases.values() if now - lease.renewed_at >= interval]
            # all at once: one after another, a slow queue service let the last leases of a batch run out
            await asyncio.gather(*(self._renew_one(lease) for lease in due))

    async def _renew_one(self, lease: _Lease) -> bool:
        """Extend the lease; False when that failed (another receiver may hold the message now)."""
        assert self._client is not None
        async with lease.lock:
            if lease.settled:
                return False
            try:
                updated = await self._client.update_message(
                    lease.message.id, lease.pop_receipt, visibility_timeout=max(1, round(self.lease_s))
                )
            except Exception as exc:  # Azurite unreachable for a moment: the next round tries again
                log.warning("queue %s: could not renew the lease of message %s: %s", self.queue, lease.message.id, exc)
                return False
            lease.pop_receipt = updated.pop_receipt or lease.pop_receipt
            lease.renewed_at = time.monotonic()
            return True

    # -- draining --------------------------------------------------------------------------------------------

    async def drain(self, timeout: float) -> None:
        """Stop receiving; let in-flight messages finish within ``timeout`` seconds.

        Messages of async functions still running then are cancelled and made visible again at once; a sync
        function's thread cannot be stopped, so its message is left to its lease (never handled twice at once).
        """
        self._stopping = True
        self._wake.set()
        self._slot_free.set()
        poll, renew = self._tasks or (None, None)
        if poll is not None:
            await poll
        pending = list(self._leases)
        if pending:
            _, still = await asyncio.wait(pending, timeout=timeout)
            await self._release(still)
        if renew is not None:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renew
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def _release(self, tasks: set[asyncio.Task[None]]) -> None:
        leases = [(task, self._leases.get(task)) for task in tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for _, lease in leases:
            if lease is not None and self.fn.is_async and not lease.settled:
                await self._settle(lease, "retry", visibility_s=0)
                self._journal("message.retry", lease.message, status="released", data={"reason": "host draining"})

    def _journal(self, kind: str, message: RawMessage, **fields: Any) -> None:
        if self.invoker.journal is not None:
            self.invoker.journal.record(kind, function=self.fn.name, queue=self.queue, message_id=message.id, **fields)


def _trigger_message(message: RawMessage, body: bytes) -> QueueMessage:
    """The QueueMessage the worker builds (this class reports the dequeue count; plain func.QueueMessage does not)."""
    return QueueMessage(
        id=message.id,
        body=body,
        dequeue_count=message.dequeue_count,
        expiration_time=message.expires_on,
        insertion_time=message.inserted_on,
        time_next_visible=message.next_visible_on,
        pop_receipt=message.pop_receipt,
    )


def _readable_body(text: str, encoding: Encoding) -> str:
    """The decoded body when it decodes as UTF-8 text, else the raw text as it sits on the queue."""
    try:
        return decode_body(text, encoding).decode("utf-8")
    except (MessageDecodeError, UnicodeDecodeError):
        return text


def _snippet(body: str, limit: int = 80) -> str:
    """A one-line glimpse of a body for the log."""
    if not body:
        return "(empty)"
    return repr(body[:limit]) + (f" ... ({len(body):,} characters)" if len(body) > limit else "")


def _describe(error: BaseException | None) -> str:
    return f"{type(error).__name__}: {error}" if error is not None else "unknown error"


def _correlation_id(metadata: dict[str, Any]) -> str | None:
    """A correlation id carried in a JSON message body (``correlation_id`` or ``correlationId``), if any."""
    value = metadata.get("correlation_id") or metadata.get("correlationId")
    return value if isinstance(value, str) else None
