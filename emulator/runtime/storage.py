"""Async Azure Storage clients for the host: queues (send, create if missing) and blobs (read, write).

Clients are cached per connection string and queue/container and share aiohttp sessions; :meth:`close` closes
them. Local endpoints get a short retry policy (FIELD-NOTES: the SDK default sleeps 15 s after a refused
connection) and no proxy lookup from the environment: with it, aiohttp reads ``~/.netrc`` and the proxy variables
in a worker thread for every request, two thread hops that cost ~30% of the client's CPU per queue message
(measured with bench/dev_throughput.py's loops), for an Azurite on this machine that no proxy should ever see.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from framework.context import current_settings
from framework.queues import send_text_async
from framework.storage import is_local_endpoint, resolve_connection_string

if TYPE_CHECKING:
    from azure.storage.blob.aio import BlobServiceClient
    from azure.storage.queue.aio import QueueClient


def connection_for(setting: str | None, default: str) -> str:
    """The connection string a binding's ``connection`` names: an app setting (of the runtime in force: the host's
    own while it prepares, starts and invokes), else the host's storage."""
    if not setting or setting == "AzureWebJobsStorage":
        return default
    settings = current_settings()
    value = settings.get(setting) or settings.get(f"AzureWebJobs{setting}")
    return resolve_connection_string(value) if value else default


def _client_kwargs(conn: str, service: str) -> dict[str, Any]:
    """For local endpoints: a short async retry policy (the policy classes differ per service and sync/async) and
    no per-request proxy and netrc lookup (``use_env_settings``, passed on to the SDK's aiohttp transport)."""
    if not is_local_endpoint(conn):
        return {}
    if service == "queue":
        from azure.storage.queue._shared.policies_async import LinearRetry  # not re-exported by .aio
    else:
        from azure.storage.blob.aio import LinearRetry  # type: ignore[assignment]
    policy = LinearRetry(backoff=0.5, random_jitter_range=0.1, retry_total=2)  # type: ignore[arg-type]
    return {"retry_policy": policy, "use_env_settings": False}


def async_queue_client(conn: str, queue: str) -> QueueClient:
    """A new async client for ``queue`` (messages are read and sent as raw text)."""
    from azure.storage.queue.aio import QueueClient

    return QueueClient.from_connection_string(conn, queue, **_client_kwargs(conn, "queue"))


class StorageClients:
    """Cached async clients of one host."""

    def __init__(self) -> None:
        self._queues: dict[tuple[str, str], QueueClient] = {}
        self._blobs: dict[str, BlobServiceClient] = {}

    def queue(self, conn: str, name: str) -> QueueClient:
        """The cached client of queue ``name``."""
        key = (conn, name)
        if key not in self._queues:
            self._queues[key] = async_queue_client(conn, name)
        return self._queues[key]

    def blob_service(self, conn: str) -> BlobServiceClient:
        """The cached blob service client."""
        if conn not in self._blobs:
            from azure.storage.blob.aio import BlobServiceClient

            self._blobs[conn] = BlobServiceClient.from_connection_string(conn, **_client_kwargs(conn, "blob"))
        return self._blobs[conn]

    async def send(self, conn: str, queue: str, text: str, **options: int) -> str:
        """Send already-encoded ``text`` to ``queue``, creating the queue if it is missing; the message id.

        ``options`` are the SDK's ``visibility_timeout``, ``time_to_live`` and ``timeout``.
        """
        return await send_text_async(self.queue(conn, queue), text, **options)

    async def read_blob(self, conn: str, path: str) -> tuple[bytes, dict[str, Any]] | None:
        """The content and properties of blob ``container/name``, or None when it does not exist."""
        from azure.core.exceptions import ResourceNotFoundError

        container, _, name = path.partition("/")
        blob = self.blob_service(conn).get_blob_client(container, name)
        try:
            downloader = await blob.download_blob()
            data = await downloader.readall()
        except ResourceNotFoundError:
            return None
        props = downloader.properties
        return data, {"name": name, "uri": blob.url, "length": len(data), "metadata": dict(props.metadata or {})}

    async def write_blob(self, conn: str, path: str, data: bytes) -> None:
        """Write blob ``container/name`` (overwriting), creating the container if it is missing."""
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

        container, _, name = path.partition("/")
        service = self.blob_service(conn)
        try:
            await service.get_blob_client(container, name).upload_blob(data, overwrite=True)
        except ResourceNotFoundError:
            with contextlib.suppress(ResourceExistsError):
                await service.create_container(container)
            await service.get_blob_client(container, name).upload_blob(data, overwrite=True)

    async def close(self) -> None:
        """Close every client."""
        clients: list[Any] = [*self._queues.values(), *self._blobs.values()]
        self._queues.clear()
        self._blobs.clear()
        for client in clients:
            with contextlib.suppress(Exception):  # closing a client whose loop is gone must not mask the real error
                await client.close()
