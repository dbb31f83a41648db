"""The blob trigger: each blob-triggered function's container scanned on Azurite, with the host's semantics.

- Every blob that fits the path, existing ones at start too, fires once per version (ETag), tracked by receipts
  in ``azure-webjobs-hosts`` (:mod:`emulator.triggers.blob.receipts`), so a restart or a second worker does not run it
  again.
- A failed run is tried again, up to host.json's ``queues.maxDequeueCount`` (5) runs in all, ``visibilityTimeout``
  apart: the host routes blob triggers through its own queue, whose rules these are. Then the blob's details go to
  queue ``webjobs-blobtrigger-poison`` as the host writes them (``{"Type":"BlobTrigger","FunctionId":...,
  "BlobType":"BlockBlob","ContainerName":...,"BlobName":...,"ETag":...}``).
- The function gets a ``func.InputStream`` (name ``container/blob``, length, uri, read()) made by the
  ``azure.functions`` blob converter, or ``str``/``bytes`` when annotated so; the path's ``{parameters}``,
  ``BlobTrigger``, ``Uri``, ``Properties`` and ``Metadata`` are binding data for its other bindings.

Differences, said: the host scans a container about every 10 s (and reads storage logs); locally it is every
:data:`SCAN_INTERVAL_S`. The host holds the runs in its internal queue; here they run in this worker, with the
receipt leased (and renewed) meanwhile: a run cut short by a crash is taken up again when the lease lapses.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from typing import TYPE_CHECKING, Any

from emulator.app.functions import FunctionInfo
from emulator.runtime.host_api import HostLike
from emulator.runtime.storage import connection_for
from emulator.triggers.blob import paths as blob_paths
from emulator.triggers.blob.receipts import LEASE_S, Receipts, function_id, host_id
from emulator.triggers.blob.values import metadata_of, trigger_value
from framework.queues import encode_body

if TYPE_CHECKING:
    from azure.storage.blob import BlobProperties
    from azure.storage.blob.aio import BlobClient, BlobLeaseClient, ContainerClient

    from emulator.app.deployment import QueueSettings
    from emulator.runtime.invocation import InvocationResult, Invoker

log = logging.getLogger("emulator.blob")

POISON_QUEUE = "webjobs-blobtrigger-poison"
#: Seconds between two scans of a container (the host: about 10 s).
SCAN_INTERVAL_S = 1.0


def quoted_etag(etag: object) -> str:
    """The ETag as the service's header spells it (``"0x8D..."``); blob listings leave the quotes out."""
    text = str(etag)
    return text if text.startswith('"') else f'"{text}"'


def is_blob_triggered(fn: FunctionInfo) -> bool:
    """True for an enabled blob-triggered function."""
    return fn.trigger.type == "blobTrigger" and not fn.disabled


class BlobTriggerRunner:
    """Scans the container of every enabled blob-triggered function; a host runner (``start`` / ``drain``)."""

    def __init__(self, *, scan_interval_s: float = SCAN_INTERVAL_S) -> None:
        self.scan_interval_s = scan_interval_s
        self.watchers: list[BlobWatcher] = []

    async def start(self, host: HostLike) -> None:
        """One watcher per blob-triggered function (a bad path fails here, naming the function)."""
        hid = host_id(host.deployment.path)
        for fn in (f for f in host.functions if is_blob_triggered(f)):
            watcher = BlobWatcher(fn, host.invoker, host.deployment.host.queues, hid, self.scan_interval_s)
            self.watchers.append(watcher)
        for watcher in self.watchers:
            watcher.start()

    async def drain(self, timeout: float) -> None:
        """Stop scanning; let runs in flight finish within ``timeout`` seconds (the rest are taken up later)."""
        await asyncio.gather(*(w.drain(timeout) for w in self.watchers))


class BlobWatcher:
    """Scans one function's container and runs the function for each new blob version."""

    def __init__(self, fn: FunctionInfo, invoker: Invoker, settings: QueueSettings, hid: str, interval: float) -> None:
        self.fn, self.invoker, self.settings, self.interval = fn, invoker, settings, interval
        where = f"function {fn.name}, blob trigger"
        self.pattern = blob_paths.parse(str(fn.trigger.settings.get("path", "")), where=where)
        self._conn = connection_for(fn.trigger.settings.get("connection"), invoker.storage)
        self._receipts = Receipts(invoker.clients.blob_service(self._conn), hid)
        self._done: set[tuple[str, str]] = set()
        self._running: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(max(1, settings.batch_size))
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unreachable = False

    def start(self) -> None:
        """Begin scanning (the first scan finds the blobs that exist already)."""
        self._task = asyncio.create_task(self._scan_forever(), name=f"blob trigger {self.fn.name}")

    async def _scan_forever(self) -> None:
        container = self.invoker.clients.blob_service(self._conn).get_container_client(self.pattern.container)
        while not self._stop.is_set():
            for blob in await self._list(container):
                key = (blob.name, quoted_etag(blob.etag))
                if key not in self._done and key not in self._running and self.pattern.match(blob.name) is not None:
                    task = asyncio.create_task(self._process(blob, key))
                    self._running[key] = task
                    task.add_done_callback(functools.partial(self._finished, key))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval)

    def _finished(self, key: tuple[str, str], task: asyncio.Task[None]) -> None:
        """Forget a finished run; one that failed on storage (not in the function) is logged and tried again."""
        self._running.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            log.warning("blob trigger %s: %s: %s; trying again", self.fn.name, key[0], task.exception())

    async def _list(self, container: ContainerClient) -> list[BlobProperties]:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            blobs = [b async for b in container.list_blobs(name_starts_with=self.pattern.prefix or None)]
        except ResourceNotFoundError:
            return []  # no container yet: nothing to trigger on
        except Exception as exc:  # Azurite down or restarting: keep the host alive and scan again
            if not self._unreachable:
                log.warning("blob trigger %s: listing %s failed (%s); retrying", self.fn.name, container.url, exc)
                self._unreachable = True
            return []
        self._unreachable = False
        return blobs

    async def _process(self, blob: BlobProperties, key: tuple[str, str]) -> None:
        async with self._slots:
            receipt = self._receipts.blob(self.fn.name, self.pattern.container, blob.name, key[1])
            state = await self._receipts.state(receipt)
            if state is None and not await self._receipts.create(receipt):
                return  # another worker created it: a later scan sees how it ended
            lease = None if state == "complete" else await self._receipts.lease(receipt)
            if lease is None:
                if state == "complete":
                    self._done.add(key)
                return
            try:
                if await self._receipts.state(receipt) != "complete":
                    await self._run_with_renewal(blob, receipt, lease)
                    await self._receipts.complete(receipt, lease)
                self._done.add(key)
            finally:
                await self._receipts.release(lease)

    async def _run_with_renewal(self, blob: BlobProperties, receipt: BlobClient, lease: BlobLeaseClient) -> None:
        renewal = asyncio.create_task(_renew(lease))
        try:
            await self._run(blob)
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal

    async def _run(self, blob: BlobProperties) -> None:
        """Run the function up to maxDequeueCount times; then poison. A changed or deleted blob ends the attempts."""
        attempts = max(1, self.settings.max_dequeue_count)
        result: InvocationResult | None = None
        for attempt in range(1, attempts + 1):
            loaded = await self._download(blob)
            if loaded is None:
                return  # deleted, or changed since the scan: its new version has a receipt of its own
            value, details = loaded
            result = await self.invoker.invoke(self.fn, value, trigger_details=details)
            if result.still_running is not None:
                await asyncio.wait({result.still_running})
            if result.ok:
                return
            if attempt < attempts and self.settings.visibility_timeout_s > 0:
                await asyncio.sleep(self.settings.visibility_timeout_s)
        await self._poison(blob, attempts, result)

    async def _download(self, blob: BlobProperties) -> tuple[Any, dict[str, Any]] | None:
        from azure.core import MatchConditions
        from azure.core.exceptions import HttpResponseError

        client = self.invoker.clients.blob_service(self._conn).get_blob_client(self.pattern.container, blob.name)
        try:
            downloader = await client.download_blob(etag=blob.etag, match_condition=MatchConditions.IfNotModified)
            data = await downloader.readall()
        except HttpResponseError as exc:
            if exc.status_code in (404, 412):
                return None
            raise
        props = downloader.properties
        bound = self.pattern.match(blob.name) or {}
        details = {**bound, **metadata_of(self.pattern.container, props, client.url)}
        return trigger_value(self.fn, data, details), details

    async def _poison(self, blob: BlobProperties, attempts: int, result: InvocationResult | None) -> None:
        message = {
            "Type": "BlobTrigger",
            "FunctionId": function_id(self.fn.name),
            "BlobType": str(getattr(blob.blob_type, "value", blob.blob_type) or "BlockBlob"),
            "ContainerName": self.pattern.container,
            "BlobName": blob.name,
            "ETag": quoted_etag(blob.etag),
        }
        text = json.dumps(message, separators=(",", ":"))
        await self.invoker.clients.send(self._conn, POISON_QUEUE, encode_body(text, self.settings.message_encoding))
        error = result.error if result is not None else None
        reason = f"failed {attempts} times; last error: {type(error).__name__}: {error}"
        log.error("POISON blob %s/%s -> %s: %s", self.pattern.container, blob.name, POISON_QUEUE, reason)
        if self.invoker.journal is not None:
            self.invoker.journal.record(
                "message.poison",
                function=self.fn.name,
                queue=POISON_QUEUE,
                status="poison",
                data={"reason": reason, "poison_queue": POISON_QUEUE, "body": text},
            )

    async def drain(self, timeout: float) -> None:
        """Stop scanning; wait for runs in flight up to ``timeout`` s, then cancel them (their receipts stay
        incomplete, so the next host takes them up when the lease lapses)."""
        self._stop.set()
        if self._task is not None:
            await self._task
        running = list(self._running.values())
        if running:
            _, pending = await asyncio.wait(running, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


async def manual_input(invoker: Invoker, fn: FunctionInfo, path: str) -> tuple[Any, dict[str, Any]]:
    """What ``POST /admin/functions/<name>`` hands a blob-triggered function: the host reads the input as the
    blob's ``container/name`` path and passes that blob. A missing blob raises BindingError."""
    from azure.core.exceptions import ResourceNotFoundError

    from emulator.conversion.bindings import BindingError

    container, _, name = path.strip().strip("/").partition("/")
    conn = connection_for(fn.trigger.settings.get("connection"), invoker.storage)
    client = invoker.clients.blob_service(conn).get_blob_client(container, name)
    try:
        downloader = await client.download_blob()
        data = await downloader.readall()
    except ResourceNotFoundError:
        raise BindingError(
            f"function {fn.name}: no blob {path!r} to run it with.",
            hint='give the blob\'s path as the input, e.g. {"input": "container/name.txt"}',
        ) from None
    pattern = blob_paths.parse(str(fn.trigger.settings.get("path", "")), where=f"function {fn.name}, blob trigger")
    bound = pattern.match(name) if container.lower() == pattern.container else None
    details = {**(bound or {}), **metadata_of(container, downloader.properties, client.url)}
    return trigger_value(fn, data, details), details


async def _renew(lease: BlobLeaseClient) -> None:
    """Keep the receipt's lease while the function runs (it lasts :data:`LEASE_S`)."""
    from azure.core.exceptions import HttpResponseError

    while True:
        await asyncio.sleep(LEASE_S / 3)
        with contextlib.suppress(HttpResponseError):
            await lease.renew()
