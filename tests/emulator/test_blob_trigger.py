"""The blob trigger on Azurite's real blob service: new and existing blobs, receipts, retries and poison."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobProperties, BlobServiceClient

from emulator.conversion.bindings import BindingError
from emulator.testing.plugin import QueueMessageSeen
from emulator.triggers.blob.paths import parse
from emulator.triggers.blob.receipts import host_id
from emulator.triggers.blob.trigger import POISON_QUEUE, BlobTriggerRunner
from tests.emulator.support import RunningHost, deploy, running, wait_for

Reader = Callable[..., list[QueueMessageSeen]]


@pytest.fixture
def container(storage_connection_string: str) -> Iterator[str]:
    name = f"c{uuid.uuid4().hex[:16]}"
    service = BlobServiceClient.from_connection_string(storage_connection_string)
    service.create_container(name)
    yield name
    service.delete_container(name)
    service.close()


def put(conn: str, container: str, name: str, data: bytes) -> None:
    with BlobServiceClient.from_connection_string(conn) as service:
        service.get_blob_client(container, name).upload_blob(data, overwrite=True)


def read(conn: str, container: str, name: str) -> bytes | None:
    with BlobServiceClient.from_connection_string(conn) as service:
        blob = service.get_blob_client(container, name)
        return blob.download_blob().readall() if blob.exists() else None


def start(app: Path, conn: str) -> AbstractContextManager[RunningHost]:
    return running(app, conn, runners=[BlobTriggerRunner(scan_interval_s=0.1)])


def test_existing_and_new_blobs_fire_once_per_version_with_an_input_stream(
    tmp_path: Path, storage_connection_string: str, container: str, queue_name: str, queue_reader: Reader
) -> None:
    conn = storage_connection_string
    app = deploy("blob_trigger", tmp_path, values={"CONTAINER": container, "Q": queue_name})
    put(conn, container, "in/before.txt", b"was there")
    put(conn, container, "in/other.csv", b"does not fit the pattern")
    seen: list[dict[str, object]] = []

    def arrived(count: int) -> bool:
        seen.extend(m.json() for m in queue_reader(f"{queue_name}-seen"))
        return len(seen) >= count

    with start(app, conn):
        wait_for(lambda: arrived(1), what="the existing blob to fire")
        put(conn, container, "in/after.txt", b"new")
        wait_for(lambda: arrived(2), what="the new blob to fire")

    first, second = seen
    assert first == {
        "name": f"{container}/in/before.txt",
        "length": 9,
        "uri": f"{conn.split('BlobEndpoint=')[1].split(';')[0]}/{container}/in/before.txt",
        "body": "was there",
    }
    assert second["body"] == "new"
    assert read(conn, container, "copies/before.copy") == b"was there"  # {name} bound the output path

    with start(app, conn):  # receipts: a restarted host runs nothing again ...
        put(conn, container, "in/after.txt", b"changed")  # ... but a changed blob is a new version
        wait_for(lambda: arrived(3), what="the changed blob to fire")
        put(conn, container, "in/marker.txt", b"marker")
        wait_for(lambda: arrived(4), what="a later blob (so anything run twice would have shown)")
    assert [m["body"] for m in seen[2:]] == ["changed", "marker"]


def test_a_blob_that_fails_five_times_goes_to_the_poison_queue_as_the_host_writes_it(
    tmp_path: Path, storage_connection_string: str, container: str, queue_name: str, queue_reader: Reader
) -> None:
    conn = storage_connection_string
    app = deploy("blob_trigger", tmp_path, values={"CONTAINER": container, "Q": queue_name})
    put(conn, container, "fail/bad.bin", b"12345")
    poisoned: list[dict[str, object]] = []

    def ours() -> bool:
        poisoned.extend(m for m in (p.json() for p in queue_reader(POISON_QUEUE)) if m["ContainerName"] == container)
        return bool(poisoned)

    with start(app, conn) as run:
        wait_for(ours, what="the poison message")
    runs = run.entries(kinds=["invocation.end"], function="always_fails")  # the host stopped: all flushed

    [message] = poisoned
    assert list(message) == ["Type", "FunctionId", "BlobType", "ContainerName", "BlobName", "ETag"]
    assert message["Type"] == "BlobTrigger" and message["FunctionId"] == "Host.Functions.always_fails"
    assert (message["BlobType"], message["BlobName"]) == ("BlockBlob", "fail/bad.bin")
    assert str(message["ETag"]).startswith('"0x')
    assert len(runs) == 5 and all(entry.status == "error" for entry in runs)
    [receipt] = receipts(conn, f"Host.Functions.always_fails/{message['ETag']}/{container}/fail/bad.bin")
    assert receipt.metadata == {}  # done: a poisoned version is not run again


def receipts(conn: str, ending: str) -> list[BlobProperties]:
    with BlobServiceClient.from_connection_string(conn) as service:
        found = service.get_container_client("azure-webjobs-hosts").list_blobs("blobreceipts/", include=["metadata"])
        return [b for b in found if b.name.endswith(ending)]


@pytest.mark.parametrize(
    ("path", "blob", "bound"),
    [
        ("c/{name}", "a/b.txt", {"name": "a/b.txt"}),
        ("c/in/{name}.{ext}", "in/x.tar.gz", {"name": "x.tar", "ext": "gz"}),
        ("c/in/{name}.txt", "in/x.csv", None),
        ("c", "anything", {}),
        ("c/exact.txt", "exact.txt", {}),  # a fixed path, as the worker's own blob trigger test app uses
        ("c/exact.txt", "exact.txt.bak", None),
        ("c/{{literal}}/{name}", "{literal}/n", {"name": "n"}),
    ],
)
def test_paths_bind_as_the_webjobs_sdk_does(path: str, blob: str, bound: dict[str, str] | None) -> None:
    assert parse(path, where="test").match(blob) == bound


def test_a_container_with_an_expression_is_refused_as_the_host_does() -> None:
    with pytest.raises(BindingError, match="Container paths cannot contain"):
        parse("{c}/x", where="function f, blob trigger")


def test_a_version_leased_by_another_worker_waits_and_an_abandoned_one_is_taken_up(
    tmp_path: Path, storage_connection_string: str, container: str, queue_name: str, queue_reader: Reader
) -> None:
    conn = storage_connection_string
    app = deploy("blob_trigger", tmp_path, values={"CONTAINER": container, "Q": queue_name})
    put(conn, container, "in/held.txt", b"held")
    put(conn, container, "in/abandoned.txt", b"abandoned")
    with BlobServiceClient.from_connection_string(conn) as service:
        with contextlib.suppress(ResourceExistsError):
            service.create_container("azure-webjobs-hosts")
        receipts_of = {}
        for name in ("in/held.txt", "in/abandoned.txt"):  # what a worker that died mid-run leaves behind
            etag = service.get_blob_client(container, name).get_blob_properties().etag
            path = f"blobreceipts/{host_id(app)}/Host.Functions.on_blob/{etag}/{container}/{name}"
            receipt = service.get_blob_client("azure-webjobs-hosts", path)
            receipt.upload_blob(b"", metadata={"Incomplete": "Incomplete"})
            receipts_of[name] = receipt
        lease = receipts_of["in/held.txt"].acquire_lease(lease_duration=60)  # another worker is on it

        seen: list[str] = []
        with start(app, conn):
            wait_for(lambda: seen.extend(m.json()["body"] for m in queue_reader(f"{queue_name}-seen")) or seen)
            assert seen == ["abandoned"]  # its receipt was incomplete and unleased: taken up
            lease.release()  # the other worker's lease lapses
            wait_for(lambda: seen.extend(m.json()["body"] for m in queue_reader(f"{queue_name}-seen")) or len(seen) > 1)
        assert seen == ["abandoned", "held"]
