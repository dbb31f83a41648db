"""unit_of_work: one transaction for everything an attempt writes; threads keep their own transactions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from handler_support import Flaky, deliver

from emulator.testing.host import wait_for
from framework import (
    Database,
    EntityNotFoundError,
    Message,
    ProcessingResult,
    ProcessorConfig,
    ProcessorContext,
    ProcessorHandler,
    ProcessorInterface,
    RetryPolicy,
    tenant_context,
)
from framework.events import capture
from framework.unit_of_work import unit_of_work

pytestmark = pytest.mark.database


class PersistThenFail(ProcessorInterface):
    """Stores an entity, then fails on the first ``failures`` calls."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.ids: list[str] = []

    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        self.calls += 1
        self.ids.append(context.persist_entity("O-9", "order", "test", {"n": self.calls}))
        if self.calls <= self.failures:
            raise ConnectionError("lost the API after writing")
        return ProcessingResult.create_success(entities_created=self.ids[-1:])


@pytest.fixture
def source(queue_name: str, storage_env: str) -> str:
    """The queue the handlers' messages come from (their retries go back there at once: no backoff here)."""
    return queue_name


def handler_for(processor: Any, context: ProcessorContext, source: str, **config: Any) -> ProcessorHandler:
    policy = RetryPolicy(max_attempts=2, base_delay_s=0, jitter=False)
    settings = {"tenant_id": "uow", "retry_policy": policy, "dead_letter_queue": None, "source_queue": source}
    return ProcessorHandler(processor, ProcessorConfig(**{**settings, **config}), context)


def run(handler: ProcessorHandler, storage: str, message: Message) -> ProcessingResult:
    """The last result of ``message`` once the host delivered it and its retries."""
    return deliver(handler, storage, message).results[message.message_id]


def versions(context: ProcessorContext, entity_id: str) -> list[dict[str, Any]]:
    with tenant_context("uow"):
        return [v.content for v in context.entity_service.get_versions(entity_id)]


def test_a_failed_attempt_leaves_no_entity_version_behind(
    processor_context: ProcessorContext, source: str, storage_env: str
) -> None:
    processor = PersistThenFail(failures=1)
    result = run(handler_for(processor, processor_context, source), storage_env, Message())

    assert result.success and processor.calls == 2
    assert versions(processor_context, result.entities_created[0]) == [{"n": 2}]


def test_a_message_that_fails_for_good_stores_nothing(
    processor_context: ProcessorContext, source: str, storage_env: str
) -> None:
    processor = PersistThenFail(failures=5)
    host = deliver(handler_for(processor, processor_context, source, raise_on_outage=False), storage_env, Message())

    assert [r.success for r in host.results.values()] == [False] and processor.calls == 2
    with tenant_context("uow"), pytest.raises(EntityNotFoundError):
        processor_context.get_entity(processor.ids[0])


def test_without_atomic_attempts_each_write_commits_on_its_own(
    processor_context: ProcessorContext, source: str, storage_env: str
) -> None:
    processor = PersistThenFail(failures=1)
    result = run(handler_for(processor, processor_context, source, atomic_attempts=False), storage_env, Message())
    assert versions(processor_context, result.entities_created[0]) == [{"n": 1}, {"n": 2}]


def test_state_transitions_are_kept_for_rolled_back_attempts(
    processor_context: ProcessorContext, source: str, storage_env: str
) -> None:
    message = Message(payload={"id": "O-1"})
    run(handler_for(Flaky(1), processor_context, source), storage_env, message)
    with tenant_context("uow"):
        states = [t.to_state for t in processor_context.state_tracking_service.get_transitions(message.message_id)]
    assert states == ["received", "processing", "retrying", "received", "processing", "completed"]


def count_tenants(database: Database) -> int:
    from sqlalchemy import func, select

    from framework.models import TenantRow

    with database.session() as s:
        return int(s.scalar(select(func.count()).select_from(TenantRow)) or 0)


def test_everything_in_a_unit_rolls_back_together_but_a_thread_commits_its_own(database: Database) -> None:
    from framework.models import TenantRow

    def add(tenant: str) -> Callable[[], None]:
        def write() -> None:
            with database.session() as s:
                s.add(TenantRow(id=tenant, name=tenant))

        return write

    with pytest.raises(RuntimeError), unit_of_work(database):
        add("in-unit-1")()
        add("in-unit-2")()
        thread = threading.Thread(target=add("from-thread"))
        thread.start()
        thread.join()
        raise RuntimeError("roll back")

    with database.session() as s:
        assert sorted(t.id for t in s.query(TenantRow)) == ["from-thread"]


def test_concurrent_attempts_on_one_new_entity_all_succeed(
    processor_context: ProcessorContext, source: str, storage_env: str
) -> None:
    barrier = threading.Barrier(4)

    class SameEntity(ProcessorInterface):
        def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
            if message.retry_count == 0:
                barrier.wait(timeout=10)  # all first attempts race for the same new entity
            entity_id = context.persist_entity("SAME", "order", "race", message.payload)
            return ProcessingResult.create_success(entities_created=[entity_id])

    policy = RetryPolicy(max_attempts=5, base_delay_s=0, jitter=False)
    handler = handler_for(SameEntity(), processor_context, source, retry_policy=policy)
    from handler_support import QueueHost

    from framework.transport import StorageQueueTransport

    transport = StorageQueueTransport()
    for i in range(4):
        transport.send(source, Message(payload={"n": i}).to_json())
    last: dict[str, ProcessingResult] = {}
    hosts = [QueueHost(handler, storage_env, source, results=last) for _ in range(4)]  # racing on one queue
    threads = [threading.Thread(target=host.run) for host in hosts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    results = list(last.values())

    assert [r.success for r in results] == [True] * 4, [r.error_message for r in results]
    assert len({r.entities_created[0] for r in results}) == 1
    assert sorted(v["n"] for v in versions(processor_context, results[0].entities_created[0])) == [0, 1, 2, 3]


def test_a_lost_race_for_a_new_entity_waits_for_the_winner_and_becomes_its_next_version(
    processor_context: ProcessorContext, database: Database
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): two attempts cannot race for one key")
    persisted, hold = threading.Event(), threading.Event()

    class HoldsFirst(ProcessorInterface):
        def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
            entity_id = context.persist_entity("SAME", "order", "race", message.payload)
            if message.payload["n"] == 0:
                persisted.set()
                hold.wait(timeout=10)  # keep the first transaction open while the second one inserts
            return ProcessingResult.create_success(entities_created=[entity_id])

    handler = handler_for(HoldsFirst(), processor_context, "unused-queue")
    results: list[ProcessingResult] = []
    first = threading.Thread(target=lambda: results.append(handler.execute(Message(payload={"n": 0}))))
    second = threading.Thread(target=lambda: results.append(handler.execute(Message(payload={"n": 1}))))

    def second_is_blocked() -> bool:
        with database.engine.connect() as c:
            waiting = c.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO entities %%'"
            )
            return bool(waiting.scalar())

    with capture() as seen:
        first.start()
        assert persisted.wait(timeout=10)
        second.start()
        wait_for(second_is_blocked)
        hold.set()
        first.join(timeout=10)
        second.join(timeout=10)

    assert [r.success for r in results] == [True, True]
    # The second insert did nothing once the first committed, and the second attempt made version 2 right away.
    assert [e.data["error_type"] for e in seen if e.kind == "processing.error"] == []
    assert sorted(v["n"] for v in versions(processor_context, results[0].entities_created[0])) == [0, 1]


def test_a_unique_violation_inside_an_attempt_is_retried_as_a_write_conflict(
    processor_context: ProcessorContext, source: str, storage_env: str
) -> None:
    from framework.models import TenantRow

    class ClashesOnce(ProcessorInterface):
        def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
            entity_id = context.persist_entity("O-7", "order", "clash", {"try": message.retry_count})
            if message.retry_count == 0:
                with context.database.session() as s:  # the unit's transaction already holds this tenant's row
                    s.add(TenantRow(id="uow", name="uow"))
                    s.flush()
            return ProcessingResult.create_success(entities_created=[entity_id])

    with capture() as seen:
        result = run(handler_for(ClashesOnce(), processor_context, source), storage_env, Message())

    assert result.success
    assert [e.data["error_type"] for e in seen if e.kind == "processing.error"] == ["WriteConflictError"]
    assert versions(processor_context, result.entities_created[0]) == [{"try": 1}]
