"""ProcessorHandler end to end: real SQLite (or PostgreSQL) through the services, real Azurite for dead letters."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Any

import pytest
from handler_support import Flaky, Returns, gaps

from emulator.pytest_plugin import QueueMessageSeen
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
    def make(processor: Any, sleep: Callable[[float], None] | None = None, **config: Any) -> ProcessorHandler:
        settings: dict[str, Any] = {
            "processor_name": "test-proc",
            "tenant_id": "acme",
            "retry_policy": FAST,
            "dead_letter_queue": dead_letters,
            **config,
        }
        extra = {"sleep": sleep} if sleep else {}
        return ProcessorHandler(processor, ProcessorConfig(**settings), processor_context, **extra)

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


def test_transient_errors_are_retried_with_real_exponential_spacing(
    make_handler: Callable[..., ProcessorHandler], processor_context: ProcessorContext
) -> None:
    processor = Flaky(2, TimeoutError("slow service"))
    policy = RetryPolicy(max_attempts=3, base_delay_s=0.15, multiplier=2, max_delay_s=1, jitter=False)
    message = Message(payload={"id": "O-2"})

    result = make_handler(processor, retry_policy=policy).execute(message)

    assert result.success and message.retry_count == 2
    first, second = gaps(processor.calls)
    assert 0.15 <= first < 0.15 + 0.12 and 0.30 <= second < 0.30 + 0.12
    assert states(processor_context, message) == [
        "received",
        "processing",
        "retrying",
        "processing",
        "retrying",
        "processing",
        "completed",
    ]
    with tenant_context("acme"):
        errors = processor_context.error_service.get_errors(message_id=message.message_id)
    assert [(e.error_type, e.attempt, e.retryable) for e in errors] == [
        ("TimeoutError", 1, True),
        ("TimeoutError", 2, True),
    ]


def test_backoff_is_capped_and_exhausted_retries_dead_letter_original_and_failure(
    make_handler: Callable[..., ProcessorHandler],
    processor_context: ProcessorContext,
    dead_letters: str,
    queue_reader: Reader,
) -> None:
    slept: list[float] = []
    policy = RetryPolicy(max_attempts=4, base_delay_s=0.1, multiplier=2, max_delay_s=0.25, jitter=False)
    message = Message(payload={"id": "O-3"}, metadata={"operation": "x"})

    with capture() as seen:
        result = make_handler(Flaky(99), sleep=slept.append, retry_policy=policy).execute(message)

    assert slept == [0.1, 0.2, 0.25]
    assert not result.success and result.can_retry
    [letter] = queue_reader(dead_letters)
    body = letter.json()
    assert body["original"]["message_id"] == message.message_id and body["original"]["payload"] == {"id": "O-3"}
    original, _ = read_dead_letter(letter.text)
    assert original == message  # the whole message, ready to replay (retry_count says how often it was retried)
    failure = body["failure"]
    assert (failure["error_type"], failure["attempts"], failure["processor"], failure["category"]) == (
        "ConnectionError",
        4,
        "test-proc",
        "transient",
    )
    assert failure["error_message"] == "ConnectionError: database went away" and failure["failed_at"]
    assert states(processor_context, message)[-2:] == ["failed", "dead_lettered"]
    kinds = [e.kind for e in seen]
    assert kinds.count("processing.retry") == 3 and kinds.count("processing.error") == 4
    assert "message.dead_lettered" in kinds


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
    make_handler: Callable[..., ProcessorHandler],
) -> None:
    class NoRetry(Flaky):
        def can_retry(self, error: Exception) -> bool:
            return not isinstance(error, ValueError)

    refuses = NoRetry(99, ValueError("bad data"))
    make_handler(refuses).execute(Message(payload={"id": "1"}))
    final = Returns(lambda: ProcessingResult.create_failure("no", can_retry=False))
    make_handler(final).execute(Message())
    default = Returns(lambda: ProcessingResult(success=False, error_message="maybe later"))
    make_handler(default).execute(Message())

    assert (len(refuses.calls), final.calls, default.calls) == (1, 1, 3)


def test_retry_policy_can_restrict_retries_to_error_types(make_handler: Callable[..., ProcessorHandler]) -> None:
    processor = Flaky(99, KeyError("id"))
    policy = RetryPolicy(max_attempts=3, base_delay_s=0, retryable_errors=(ConnectionError,))
    make_handler(processor, retry_policy=policy).execute(Message(payload={"id": "1"}))
    assert len(processor.calls) == 1


def test_a_failing_output_handler_fails_the_message_as_retryable(
    make_handler: Callable[..., ProcessorHandler], dead_letters: str, queue_reader: Reader
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = dev_connection_string(ports={"Queue": sock.getsockname()[1]})

    def broken_output() -> ProcessingResult:
        result = ProcessingResult.create_success()
        return result.add_output_handler(QueueOutputHandler("next", {"connection_string": dead, "retry_count": 0}))

    processor = Returns(broken_output)
    result = make_handler(processor).execute(Message())

    assert processor.calls == 3 and not result.success and result.can_retry
    assert result.error_code == "OUTPUT_FAILED" and "queue output to 'next' failed" in (result.error_message or "")
    assert [r.ok for r in result.output_results] == [False]
    assert queue_reader(dead_letters)[0].json()["failure"]["category"] == "output"


def test_raise_on_failure_hands_a_retryable_failure_to_the_host(
    make_handler: Callable[..., ProcessorHandler], dead_letters: str, queue_reader: Reader
) -> None:
    handler = make_handler(Flaky(99), raise_on_failure=True)
    with pytest.raises(ProcessingFailedError, match="after 3 attempt"):
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


def test_tenant_comes_from_message_then_context_then_config_then_env(
    make_handler: Callable[..., ProcessorHandler], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []

    def record() -> ProcessingResult:
        from framework.context import current_tenant_id

        seen.append(current_tenant_id())
        return ProcessingResult.create_success()

    handler = make_handler(Returns(record), tenant_id=None)
    monkeypatch.setenv("TENANT_ID", "from-env")
    handler.execute(Message(tenant_id="from-message"))
    with tenant_context("from-context"):
        handler.execute(Message(tenant_id=None))
    handler.execute(Message(tenant_id=None))
    make_handler(Returns(record), tenant_id="from-config").execute(Message(tenant_id=None))
    monkeypatch.delenv("TENANT_ID")
    handler.execute(Message(tenant_id=None))

    assert seen == ["from-message", "from-context", "from-env", "from-config", "default"]
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
    result = make_handler(Returns(lambda: {"success": True}), dead_letter_queue=None).execute(Message())
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
    handler = make_handler(Flaky(failures=99, error=outage), raise_on_outage=False)

    assert not handler.execute(Message(payload={"id": "o-1"})).success
    assert len(queue_reader(dead_letters)) == 1
