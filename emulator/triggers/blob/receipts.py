"""Blob trigger receipts, kept where the host keeps them: container ``azure-webjobs-hosts``.

A receipt is the empty blob ``blobreceipts/<hostId>/<functionId>/<ETag>/<container>/<blob name>``: one per blob
version a function has seen. Created with metadata ``Incomplete``, leased (30 s) by whoever processes that
version, and cleared of ``Incomplete`` once the version is done (succeeded, or sent to the poison queue), so a
blob is processed once per change, by one worker, however many hosts scan the container; an incomplete receipt
whose lease lapsed (the worker died) is taken up again.
"""

from __future__ import annotations

import contextlib
import re
import socket
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from azure.storage.blob.aio import BlobClient, BlobLeaseClient, BlobServiceClient

HOSTS_CONTAINER = "azure-webjobs-hosts"
RECEIPTS_DIRECTORY = "blobreceipts"
LEASE_S = 30
_INCOMPLETE = "Incomplete"

State = Literal["complete", "incomplete"]


def host_id(app_dir: Path) -> str:
    """A stable id for the host of ``app_dir`` on this machine (lower case, at most 32 characters, as the host's).

    Core Tools derives it from the machine name and the app's path, so two apps (or two machines) sharing one
    storage account keep separate receipts.
    """
    raw = f"{socket.gethostname()}-{zlib.crc32(str(app_dir.resolve()).encode())}".lower()
    return re.sub(r"[^a-z0-9-]", "-", raw)[:32].strip("-")


def function_id(function_name: str) -> str:
    """The host's id of a function (``Host.Functions.<name>``), as receipts and poison messages name it."""
    return f"Host.Functions.{function_name}"


class Receipts:
    """The receipts of one storage account."""

    def __init__(self, service: BlobServiceClient, host: str) -> None:
        self._service = service
        self._host = host

    def blob(self, function: str, container: str, name: str, etag: str) -> BlobClient:
        """The receipt of one version (``etag``) of ``container/name`` for ``function``."""
        path = f"{RECEIPTS_DIRECTORY}/{self._host}/{function_id(function)}/{etag}/{container}/{name}"
        return self._service.get_blob_client(HOSTS_CONTAINER, path)

    async def state(self, receipt: BlobClient) -> State | None:
        """``complete``, ``incomplete``, or None when there is no receipt yet."""
        from azure.core.exceptions import ResourceNotFoundError

        try:
            props = await receipt.get_blob_properties()
        except ResourceNotFoundError:
            return None
        metadata = {k.lower() for k in (props.metadata or {})}
        return "incomplete" if _INCOMPLETE.lower() in metadata else "complete"

    async def create(self, receipt: BlobClient) -> bool:
        """Create an incomplete receipt; False when one exists already (another worker got there first)."""
        from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

        for _ in range(2):
            try:
                await receipt.upload_blob(b"", metadata={_INCOMPLETE: _INCOMPLETE}, overwrite=False)
                return True
            except ResourceExistsError:
                return False
            except ResourceNotFoundError:  # the hosts container does not exist yet
                with contextlib.suppress(ResourceExistsError):
                    await self._service.create_container(HOSTS_CONTAINER)
            except HttpResponseError as exc:
                if exc.status_code == 412:  # leased by another worker
                    return False
                raise
        return False

    async def lease(self, receipt: BlobClient) -> BlobLeaseClient | None:
        """A 30 s lease on the receipt, or None when another worker holds one (or the receipt is gone)."""
        from azure.core.exceptions import HttpResponseError

        try:
            return await receipt.acquire_lease(lease_duration=LEASE_S)
        except HttpResponseError as exc:
            if exc.status_code in (404, 409):
                return None
            raise

    async def complete(self, receipt: BlobClient, lease: BlobLeaseClient) -> None:
        """Mark the version done (clears ``Incomplete``); a lost lease is ignored, as the host does."""
        from azure.core.exceptions import HttpResponseError

        with contextlib.suppress(HttpResponseError):
            await receipt.set_blob_metadata({}, lease=lease)

    async def release(self, lease: BlobLeaseClient) -> None:
        """Give the lease back (a lease that is gone already is ignored)."""
        from azure.core.exceptions import HttpResponseError

        with contextlib.suppress(HttpResponseError):
            await lease.release()
