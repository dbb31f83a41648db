"""ProcessorHandler end to end: real SQLite (or PostgreSQL) through the services, real Azurite for dead letters."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Any

import pytest
from handler_support import Flaky, QueueHost, Returns, gaps

from emulator.testing.plugin import QueueMessageSeen
from framework import (
    DeadLetterError,
    Message,
    ProcessingFailedError,
    ProcessingResult,
    ProcessorConfig,
    ProcessorContext,
    ProcessorHandler,
    QueueOutputHandler,
    RetryPolicy,
    tenant_context,
)
from framework.deadletter import read_dead_letter
from framework.events import capture
from framework.metrics import registry
from framework.storage import dev_connection_string

pytestmark = pytest.mark.database

Reader = Callable[..., list[QueueMessageSeen]]
FAST = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.05, jitter=False)


@pytest.fixture
def dead_letters(queue_name: str) -> str:
    return f"{queue_name}-dl"


@pytest.fixture
def make_handler(
    processor_context: ProcessorContext, dead_letters: str, storage_env: str
) -> Callable[..., ProcessorHandler]:
    def make(processor: Any, **config: Any) -> ProcessorHandler:
        settings: dict[str, Any] = {
            "processor_name": "test-proc",
            "tenant_id": "acme",
            "retry_policy": FAST,
            "dead_letter_queue": dead_letters,
            **config,
        }
        return ProcessorHandler(processor, ProcessorConfig(**settings), processor_context)

    return make


def states(context: ProcessorContext, message: Message) -> list[str]:
    with tenant_context(message.tenant_id or "acme"):
        return [t.to_state for t in context.state_tracking_service.get_transitions(message_id=message.message_id)]


def test_success_persists_tracks_states_and_records_metrics(
    make_handler: Callable[..., ProcessorHandler], processor_context: ProcessorContext
) -> None:
    registry.reset()
    message = Message(payload={"id": "O-1", "total": 5})
    with capture() as seen:
        result = make_handler(Flaky(0)).execute(message)

    assert result.success and len(result.entities_created) == 1 and result.processing_duration_ms
    assert message.tenant_id == "acme"
    with tenant_context("acme"):
        assert processor_context.get_entity(result.entities_created[0]).content == {"id": "O-1", "total": 5}
    assert states(processor_context, message) == ["received", "processing", "completed"]
    assert "message.completed" in [e.kind for e in seen]
    assert all(e.correlation_id == message.correlation_id for e in seen)
    assert registry.snapshot()["processor.test-proc"]["count"] == 1


@pytest.fixture
def source(queue_name: str) -> str:
    return f"{queue_name}-src"


def enqueue(storage: str, queue: str, message: Message) -> None:
    from framework.transport import StorageQueueTransport

    transport = StorageQueueTransport()
    transport.send(queue, message.to_json(), connection=storage)
    transport.close()


def test_retries_ride_the_queue_spaced_as_the_policy_says_with_nothing_held_in_between(
    make_handler: Callable[..., ProcessorHandler], processor_context: ProcessorContext, source: str, storage_env: str
) -> None:
    processor = Flaky(2, TimeoutError("slow service"))
    policy = RetryPolicy(max_attempts=3, base_delay_s=1, multiplier=2, max_delay_s=10, jitter=False)
    message = Message(payload={"id": "O-2"}, tenant_id="acme")
    enqueue(storage_env, source, message)
    handler = make_handler(processor, retry_policy=policy, source_queue=source)

    with capture() as seen:
        host = QueueHost(handler, storage_env, source).run()

    assert [count for _, count in host.delivered] == [0, 1, 2] and host.raised == []
    first, second = gaps([at for at, _ in host.delivered])
    assert 1.0 <= first < 1.0 + 0.9 and 2.0 <= second < 2.0 + 0.9  # the queue's delay, whole seconds
    assert len(processor.calls) == 3  # one call per delivery: no attempt ran inside another's invocation
    assert [e.data["delay_s"] for e in seen if e.kind == "processing.retry"] == [1, 2]
    assert states(processor_context, message) == [
        "received",
        "processing",
        "retrying",
        "received",
        "processing",
        "retrying",
        "received",
        "processing",
        "completed",
    ]
    with tenant_context("acme"):
        errors = processor_context.error_service.get_errors(message_id=message.message_id)
    assert [(e.error_type, e.attempt, e.retryable) for e in errors] == [
        ("TimeoutError", 1, True),
        ("TimeoutError", 2, True),
    ]


def test_a_retry_keeps_ids_counts_attempts_and_retry_after_is_honoured_up_to_the_cap(
    make_handler: Callable[..., ProcessorHandler], source: str, storage_env: str, queue_reader: Reader
) -> None:
    later = Returns(lambda: ProcessingResult.create_failure("partner busy", retry_after_seconds=300))
    policy = RetryPolicy(max_attempts=3, base_delay_s=1, max_delay_s=600, jitter=False)
    message = Message(payload={"id": "O-9"})

    result = make_handler(later, retry_policy=policy, source_queue=source).execute(message)

    assert not result.success and result.can_retry and result.retry_after_seconds == 300
    assert result.processing_metadata["retry_scheduled"] == {"queue": source, "delay_s": 300}
    assert queue_reader(source) == []  # invisible for 300 s: nothing waits for it, no thread, no lease
    from framework.transport import MAX_DELAY_S, send_options

    assert send_options(30 * 24 * 3600, {})["visibility_timeout"] == MAX_DELAY_S == 7 * 24 * 3600


def test_exhausted_retries_of_a_bug_dead_letter_the_original_with_its_failure(
    make_handler: Callable[..., ProcessorHandler],
    processor_context: ProcessorContext,
    dead_letters: str,
    source: str,
    storage_env: str,
    queue_reader: Reader,
) -> None:
    policy = RetryPolicy(max_attempts=3, base_delay_s=1, multiplier=2, max_delay_s=1, jitter=False)
    message = Message(payload={"id": "O-3"}, metadata={"operation": "x"}, tenant_id="acme")
    enqueue(storage_env, source, message)
    handler = make_handler(Flaky(99, RuntimeError("bug in the mapping")), retry_policy=policy, source_queue=source)

    with capture() as seen:
        host = QueueHost(handler, storage_env, source).run()

    assert [count for _, count in host.delivered] == [0, 1, 2]
    [letter] = queue_reader(dead_letters)
    body = letter.json()
    assert body["original"]["message_id"] == message.message_id and body["original"]["payload"] == {"id": "O-3"}
    original, _ = read_dead_letter(letter.text)
    assert original is not None and original.retry_count == 2 and original.correlation_id == message.correlation_id
    failure = body["failure"]
    assert (failure["error_type"], failure["attempts"], failure["processor"], failure["category"]) == (
        "RuntimeError",
        3,
        "test-proc",
        "unexpected",
    )
    assert failure["source_queue"] == source and failure["failed_at"]
    assert failure["error_message"] == "RuntimeError: bug in the mapping"
    assert states(processor_context, message)[-2:] == ["failed", "dead_lettered"]
    kinds = [e.kind for e in seen]
    assert kinds.count("processing.retry") == 2 and kinds.count("processing.error") == 3
    assert [e.data["delay_s"] for e in seen if e.kind == "processing.retry"] == [1, 1]  # capped


def test_exhausted_transient_failures_stay_on_the_queue_for_the_host_never_dead_lettered(
    make_handler: Callable[..., ProcessorHandler],
    dead_letters: str,
    source: str,
    storage_env: str,
    queue_reader: Reader,
) -> None:
    from framework.errors import ServiceOutageError

    policy = RetryPolicy(max_attempts=2, base_delay_s=1, jitter=False)
    handler = make_handler(Flaky(99), retry_policy=policy, source_queue=source)

    first = handler.execute(message := Message(payload={"id": "O-4"}))
    assert first.processing_metadata["retry_scheduled"]["queue"] == source
    message.retry_count = 1
    with pytest.raises(ServiceOutageError, match="stays on its queue"):
        handler.execute(message)
    assert queue_reader(dead_letters) == []


def test_without_a_source_queue_a_queued_message_is_left_to_the_host_and_an_http_one_to_its_caller(
    make_handler: Callable[..., ProcessorHandler], dead_letters: str, queue_reader: Reader
) -> None:
    from framework import MessageType

    processor = Returns(lambda: ProcessingResult.create_failure("try later"))
    handler = make_handler(processor)
    with pytest.raises(ProcessingFailedError, match="visibilityTimeout"):
        handler.execute(Message(payload={"id": "1"}))
    http = handler.execute(Message(payload={"id": "2"}, message_type=MessageType.HTTP))

    assert not http.success and http.can_retry and http.retry_after_seconds == FAST.delay_for(1)
    assert processor.calls == 2 and queue_reader(dead_letters) == []


def test_invalid_message_is_dead_lettered_without_processing_or_retry(
    make_handler: Callable[..., ProcessorHandler],
    processor_context: ProcessorContext,
    dead_letters: str,
    queue_reader: Reader,
) -> None:
    processor = Returns(ProcessingResult.create_success, valid=False)
    message = Message(payload={})

    result = make_handler(processor).execute(message)

    assert processor.calls == 0 and not result.success and not result.can_retry
    assert result.error_code == "VALIDATION_FAILED"
    [letter] = queue_reader(dead_letters)
    assert letter.json()["failure"]["category"] == "validation" and letter.json()["failure"]["attempts"] == 1
    assert states(processor_context, message) == ["received", "failed", "dead_lettered"]


def test_processor_can_retry_false_and_non_retryable_results_are_not_retried(
    make_handler: Callable[..., ProcessorHandler], source: str
) -> None:
    class NoRetry(Flaky):
        def can_retry(self, error: Exception) -> bool:
            return not isinstance(error, ValueError)

    refuses = NoRetry(99, ValueError("bad data"))
    assert make_handler(refuses).execute(Message(payload={"id": "1"})).processing_metadata["dead_letter_queue"]
    final = Returns(lambda: ProcessingResult.create_failure("no", can_retry=False))
    assert make_handler(final).execute(Message()).processing_metadata["dead_letter_queue"]
    default = Returns(lambda: ProcessingResult(success=False, error_message="maybe later"))
    again = make_handler(default, source_queue=source).execute(Message())

    assert (len(refuses.calls), final.calls, default.calls) == (1, 1, 1)
    assert again.processing_metadata["retry_scheduled"]["queue"] == source


def test_retry_policy_can_restrict_retries_to_error_types(make_handler: Callable[..., ProcessorHandler]) -> None:
    processor = Flaky(99, KeyError("id"))
    policy = RetryPolicy(max_attempts=3, base_delay_s=0, retryable_errors=(ConnectionError,))
    make_handler(processor, retry_policy=policy).execute(Message(payload={"id": "1"}))
    assert len(processor.calls) == 1


def test_a_failing_output_handler_fails_the_message_as_retryable(
    make_handler: Callable[..., ProcessorHandler], dead_letters: str, source: str, queue_reader: Reader
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = dev_connection_string(ports={"Queue": sock.getsockname()[1]})

    def broken_output() -> ProcessingResult:
        result = ProcessingResult.create_success()
        return result.add_output_handler(QueueOutputHandler("next", {"connection_string": dead, "retry_count": 0}))

    processor = Returns(broken_output)
    result = make_handler(processor, source_queue=source).execute(Message())

    assert processor.calls == 1 and not result.success and result.can_retry
    assert result.error_code == "OUTPUT_FAILED" and "queue output to 'next' failed" in (result.error_message or "")
    assert [r.ok for r in result.output_results] == [False]
    assert result.processing_metadata["retry_scheduled"]["queue"] == source
    assert queue_reader(dead_letters) == []


def test_raise_on_failure_hands_a_retryable_failure_to_the_host(
    make_handler: Callable[..., ProcessorHandler], dead_letters: str, queue_reader: Reader
) -> None:
    once = RetryPolicy(max_attempts=1)
    handler = make_handler(Flaky(99, RuntimeError("bug")), raise_on_failure=True, retry_policy=once)
    with pytest.raises(ProcessingFailedError, match="after 1 attempt"):
        handler.execute(Message(payload={"id": "1"}))
    assert queue_reader(dead_letters) == []


def test_unreachable_dead_letter_queue_raises_so_the_message_is_not_lost(
    make_handler: Callable[..., ProcessorHandler],
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = dev_connection_string(ports={"Queue": sock.getsockname()[1]})
    handler = make_handler(
        Returns(lambda: ProcessingResult.create_failure("x", can_retry=False)), connection_string=dead
    )
    with pytest.raises(DeadLetterError, match="could not be dead-lettered"):
        handler.execute(Message())


def test_the_tenant_in_force_is_the_context_then_config_then_env(
    make_handler: Callable[..., ProcessorHandler], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []

    def record() -> ProcessingResult:
        from framework.context import current_tenant_id

        seen.append(current_tenant_id())
        return ProcessingResult.create_success()

    handler = make_handler(Returns(record), tenant_id=None)
    monkeypatch.setenv("TENANT_ID", "from-env")
    with tenant_context("from-context"):
        handler.execute(Message(tenant_id=None))
    handler.execute(Message(tenant_id=None))
    make_handler(Returns(record), tenant_id="from-config").execute(Message(tenant_id=None))
    monkeypatch.delenv("TENANT_ID")
    handler.execute(Message(tenant_id=None))

    assert seen == ["from-context", "from-env", "from-config", "default"]
    assert os.environ.get("TENANT_ID") is None


def test_handle_message_answers_in_plain_json(make_handler: Callable[..., ProcessorHandler]) -> None:
    out = Message(payload={"next": 1})
    handler = make_handler(Returns(lambda: ProcessingResult(success=True, output_messages=[out])))

    answer = handler.handle_message({"order": 1})

    assert answer["success"] and answer["message_id"] and answer["output_messages"][0]["payload"] == {"next": 1}


def test_handle_message_dead_letters_data_that_is_not_a_message(
    make_handler: Callable[..., ProcessorHandler], dead_letters: str, queue_reader: Reader
) -> None:
    processor = Returns(ProcessingResult.create_success)

    answer = make_handler(processor).handle_message("[1, 2]")

    assert (answer["success"], answer["error_code"], answer["can_retry"]) == (False, "MESSAGE_FORMAT", False)
    [letter] = queue_reader(dead_letters)
    assert letter.json()["original"] is None and letter.json()["original_raw"] == "[1, 2]"
    assert letter.json()["failure"]["category"] == "validation" and processor.calls == 0


def test_a_process_returning_something_else_fails_clearly(make_handler: Callable[..., ProcessorHandler]) -> None:
    once = RetryPolicy(max_attempts=1)
    result = make_handler(Returns(lambda: {"success": True}), dead_letter_queue=None, retry_policy=once).execute(
        Message()
    )
    assert not result.success and "not a ProcessingResult" in (result.error_message or "")


def test_an_unreachable_database_is_raised_to_the_host_so_the_message_stays_on_its_queue(
    make_handler: Callable[..., ProcessorHandler], dead_letters: str, queue_reader: Reader
) -> None:
    from framework.errors import DatabaseUnavailableError, ServiceOutageError

    outage = DatabaseUnavailableError("Cannot connect to the database postgresql://127.0.0.1:1/x.")
    handler = make_handler(Flaky(failures=99, error=outage))

    with pytest.raises(ServiceOutageError, match="stays on its queue") as raised:
        handler.execute(Message(payload={"id": "o-1"}))

    assert isinstance(raised.value.__cause__, DatabaseUnavailableError)
    assert queue_reader(dead_letters) == []  # not dead-lettered: the host keeps the message and retries it


def test_raise_on_outage_off_dead_letters_an_outage_like_any_failure(
    make_handler: Callable[..., ProcessorHandler], dead_letters: str, queue_reader: Reader
) -> None:
    from framework.errors import DatabaseUnavailableError

    outage = DatabaseUnavailableError("Cannot connect to the database postgresql://127.0.0.1:1/x.")
    once = RetryPolicy(max_attempts=1)
    handler = make_handler(Flaky(failures=99, error=outage), raise_on_outage=False, retry_policy=once)

    assert not handler.execute(Message(payload={"id": "o-1"})).success
    assert len(queue_reader(dead_letters)) == 1
