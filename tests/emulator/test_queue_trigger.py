"""The queue trigger against a real Azurite: metadata, settlement, retries, poison, encodings, timeouts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from emulator.testing.plugin import QueueMessageSeen
from tests.emulator.support import deploy, running, send, wait_for

Reader = Callable[..., list[QueueMessageSeen]]


def collect(reader: Reader, queue: str, count: int, **kwargs: object) -> list[QueueMessageSeen]:
    """Wait until ``count`` messages were read off ``queue``."""
    seen: list[QueueMessageSeen] = []

    def enough() -> bool:
        seen.extend(reader(queue, **kwargs))
        return len(seen) >= count

    wait_for(enough, what=f"{count} message(s) on {queue}")
    return seen


def test_function_sees_the_message_metadata_like_the_worker_gives_it(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    app = deploy("metadata", tmp_path / "app", values={"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out"})
    with running(app, storage_connection_string):
        message_id = send(storage_connection_string, queue_name, '{"order": 42}')
        [report] = [m.json() for m in collect(queue_reader, f"{queue_name}-out", 1)]

    assert report["id"] == message_id
    assert report["json"] == {"order": 42}
    assert report["dequeue_count"] == 1
    assert report["pop_receipt"]
    assert datetime.fromisoformat(report["insertion_time"]) < datetime.fromisoformat(report["expiration_time"])
    assert queue_reader(queue_name) == []  # success deleted it


def test_messages_sent_with_the_raw_sdk_base64_policy_are_processed(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    app = deploy("metadata", tmp_path / "app", values={"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out"})
    with running(app, storage_connection_string):
        client = QueueClient.from_connection_string(
            storage_connection_string, queue_name, message_encode_policy=TextBase64EncodePolicy()
        )
        client.send_message('{"café": "ünïcode"}')
        [report] = [m.json() for m in collect(queue_reader, f"{queue_name}-out", 1)]
    assert report["json"] == {"café": "ünïcode"}


def test_each_queue_output_shape_is_delivered_as_the_host_does(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    app = deploy("outputs", tmp_path / "app", values={"Q": queue_name})
    conn = storage_connection_string
    with running(app, conn):
        for suffix in ("str", "list", "bytes", "qm", "async", "plain"):
            send(conn, f"{queue_name}-{suffix}", suffix)
        send(conn, f"{queue_name}-multi", '{"n": 1}')
        out = sorted(m.text for m in collect(queue_reader, f"{queue_name}-out", 8))
        first = collect(queue_reader, f"{queue_name}-first", 1)
        second = collect(queue_reader, f"{queue_name}-second", 1)
        returned = collect(queue_reader, f"{queue_name}-ret", 1)

    assert out == [
        "async:async",
        "bytes:bytes",
        "item0:list",
        "item1:list",
        "item2:list",
        "plain:str:plain",  # a trigger parameter annotated str gets the body text, as from the worker
        "qm:qm",
        "str:str",
    ]
    assert [m.text for m in first + second] == ["first", "second"]
    assert returned[0].json() == {"returned": {"n": 1}}


def test_blob_output_then_blob_input_by_binding_expression(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    app = deploy("blobs", tmp_path / "app", values={"Q": queue_name, "CONTAINER": f"c{queue_name[2:]}"})
    conn = storage_connection_string
    with running(app, conn) as host:
        send(conn, f"{queue_name}-write", '{"name": "greeting", "text": "hello blob"}')
        wait_for(lambda: host.entries(function="write_blob", kinds=["invocation.end"]), what="the blob write")
        send(conn, f"{queue_name}-read", '{"name": "greeting"}')
        send(conn, f"{queue_name}-stream", '{"name": "greeting"}')
        results = [m.json() for m in collect(queue_reader, f"{queue_name}-out", 2)]

    assert {"name": "greeting", "content": "hello blob"} in results
    stream = next(r for r in results if "stream" in r)
    assert stream["stream"] == "hello blob"
    # the worker decodes a blob *input* with the queue trigger's metadata, which has no blob properties
    assert stream["length"] is None


def test_a_failing_message_is_retried_then_moved_to_poison(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    host_json = {"extensions": {"queues": {"maxDequeueCount": 2, "visibilityTimeout": "00:00:00"}}}
    app = deploy("failing", tmp_path / "app", host=host_json, values={"IN_QUEUE": queue_name, "OUT_QUEUE": "x-out"})
    with running(app, storage_connection_string) as host:
        send(storage_connection_string, queue_name, "doomed")
        poisoned = collect(queue_reader, f"{queue_name}-poison", 1)
        # entries are written in order: once the poison entry is readable, everything before it is too
        poison = wait_for(lambda: host.entries(kinds=["message.poison"], queue=queue_name), what="poison entry")
        ends = host.entries(function="always_fails", kinds=["invocation.end"])
        retries = host.entries(kinds=["message.retry"], queue=queue_name)

    assert [m.text for m in poisoned] == ["doomed"]
    assert [e.status for e in ends] == ["error", "error"]
    assert "RuntimeError: boom on attempt 2" in ends[-1].data["error"]
    assert len(retries) == 1
    assert "failed 2 times" in poison[0].data["reason"]
    assert queue_reader(queue_name) == []


def test_default_max_dequeue_count_is_five_attempts(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    app = deploy("failing", tmp_path / "app", values={"IN_QUEUE": queue_name, "OUT_QUEUE": "x-out"})
    with running(app, storage_connection_string) as host:
        send(storage_connection_string, queue_name, "doomed")
        collect(queue_reader, f"{queue_name}-poison", 1)
        wait_for(lambda: host.entries(kinds=["message.poison"]), what="the poison entry")
        attempts = host.entries(function="always_fails", kinds=["invocation.start"])
    assert [e.data["dequeue_count"] for e in attempts] == [1, 2, 3, 4, 5]


def test_text_that_is_not_base64_goes_to_poison_at_once_with_the_reason_journaled(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    app = deploy("metadata", tmp_path / "app", values={"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out"})
    with running(app, storage_connection_string) as host:
        raw = QueueClient.from_connection_string(storage_connection_string, queue_name)
        message_id = raw.send_message("this is {not} base64!")["id"]
        poisoned = collect(queue_reader, f"{queue_name}-poison", 1, encoding="none")
        [entry] = wait_for(lambda: host.entries(kinds=["message.poison"]), what="the poison entry")

    assert [m.text for m in poisoned] == ["this is {not} base64!"]
    assert entry.message_id == message_id
    assert "not valid base64" in entry.data["reason"]
    assert host.entries(kinds=["invocation.start"]) == []  # the function never saw it


def test_message_encoding_none_reads_and_writes_plain_text(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    app = deploy(
        "outputs",
        tmp_path / "app",
        host={"extensions": {"queues": {"messageEncoding": "none"}}},
        values={"Q": queue_name},
    )
    with running(app, storage_connection_string):
        send(storage_connection_string, f"{queue_name}-str", "plain", encoding="none")
        out = collect(queue_reader, f"{queue_name}-out", 1, encoding="none")
    assert [m.text for m in out] == ["str:plain"]


def test_function_timeout_is_enforced_for_sync_and_async_functions(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    host_json = {"functionTimeout": "00:00:01", "extensions": {"queues": {"maxDequeueCount": 1}}}
    app = deploy("slow", tmp_path / "app", host=host_json, values={"Q": queue_name})
    with running(app, storage_connection_string, drain_timeout=0.5) as host:
        send(storage_connection_string, f"{queue_name}-sync", "3")
        send(storage_connection_string, f"{queue_name}-async", "3")
        ends = wait_for(lambda: len(e := host.entries(kinds=["invocation.end"])) == 2 and e, what="two timeouts")

    assert {e.function: e.status for e in ends} == {"slow_sync": "timeout", "slow_async": "timeout"}
    sync_error = next(e.data["error"] for e in ends if e.function == "slow_sync")
    assert "timed out after 1 s" in sync_error and "cannot be stopped" in sync_error
    assert all(e.data["duration_ms"] < 2500 for e in ends)


def test_a_message_is_not_handed_out_again_while_its_function_runs_past_the_lease(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    app = deploy("slow", tmp_path / "app", values={"Q": queue_name})
    with running(app, storage_connection_string, lease_s=1.0) as host:
        send(storage_connection_string, f"{queue_name}-async", "3.5")
        wait_for(lambda: host.entries(kinds=["invocation.end"]), timeout=15, what="the slow function to end")
        starts = host.entries(kinds=["invocation.start"])
    assert len(starts) == 1


def test_a_message_dequeued_past_the_limit_without_finishing_goes_to_poison_uninvoked(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    send(storage_connection_string, queue_name, "crashes its worker")
    raw = QueueClient.from_connection_string(storage_connection_string, queue_name)
    for _ in range(2):  # two attempts whose worker died: received, never settled
        [message] = raw.receive_messages(max_messages=1)
        raw.update_message(message, visibility_timeout=0)
    host_json = {"extensions": {"queues": {"maxDequeueCount": 2}}}
    app = deploy("failing", tmp_path / "app", host=host_json, values={"IN_QUEUE": queue_name, "OUT_QUEUE": "x-out"})
    with running(app, storage_connection_string) as host:
        poisoned = collect(queue_reader, f"{queue_name}-poison", 1)
        [entry] = wait_for(lambda: host.entries(kinds=["message.poison"]), what="the poison entry")
    assert [m.text for m in poisoned] == ["crashes its worker"]
    assert "dequeued 3 times without finishing" in entry.data["reason"]
    assert host.entries(kinds=["invocation.start"]) == []


def test_a_timed_out_sync_functions_message_is_retried_only_after_its_thread_ends(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    host_json = {"functionTimeout": "00:00:01", "extensions": {"queues": {"maxDequeueCount": 2}}}
    app = deploy("slow", tmp_path / "app", host=host_json, values={"Q": queue_name})
    with running(app, storage_connection_string, drain_timeout=0.5) as host:
        send(storage_connection_string, f"{queue_name}-sync", "2.5")
        starts = wait_for(lambda: len(s := host.entries(kinds=["invocation.start"])) == 2 and s, what="the retry")
    first_timeout = host.entries(kinds=["invocation.end"])[0]
    assert first_timeout.status == "timeout"
    assert (first_timeout.at - starts[0].at).total_seconds() < 2.0  # reported when the timeout struck
    assert (starts[1].at - starts[0].at).total_seconds() >= 2.5  # but not run again while the thread still ran


def test_a_context_parameter_gets_the_invocation_context_and_logs_are_journaled(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    app = deploy("context", tmp_path / "app", values={"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out"})
    with running(app, storage_connection_string) as host:
        send(storage_connection_string, queue_name, "{}")
        [seen] = [m.json() for m in collect(queue_reader, f"{queue_name}-out", 1)]
        [start] = wait_for(lambda: host.entries(kinds=["invocation.start"]), what="the invocation entry")
        [log] = wait_for(lambda: host.entries(kinds=["log"]), what="the function's log line")
    assert seen["invocation_id"] == start.invocation_id
    assert log.invocation_id == start.invocation_id and log.function == "with_context"
    assert log.data["message"] == f"handling message {start.message_id}" and log.status == "info"
    assert seen["function_name"] == "with_context"
    assert seen["trace_parent"].startswith("00-")
