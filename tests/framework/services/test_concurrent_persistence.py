"""Concurrent writers on one entity, in threads and in real processes: one entity, versions without gaps.

Every writer waits at a barrier, then persists the same external id as fast as it can. Writers either all send
the same content (one creates it, the rest are duplicates) or each sends its own (every call is a new version).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import pytest

from framework.context import tenant_context
from framework.db import Database
from framework.services import EntityService, ProcessingService

pytestmark = pytest.mark.database

Mode = Literal["same", "different"]
#: (version, is_new, is_duplicate) of one call.
Outcome = tuple[int, bool, bool]
THREADS, PROCESSES, ROUNDS = 8, 4, 10


def persist_rounds(url: str, tenant: str, worker: int, mode: Mode, wait: Callable[[], Any]) -> list[Outcome]:
    """One writer: its own Database (engine, pool), then ROUNDS writes of the shared entity."""
    database = Database(url)
    service = ProcessingService(database)
    outcomes: list[Outcome] = []
    try:
        wait()
        with tenant_context(tenant):
            for n in range(ROUNDS):
                content = {"same": True} if mode == "same" else {"worker": worker, "round": n}
                result = service.process_entity("ORDER-1", "order", "shop", content)
                outcomes.append((result.version, result.is_new, result.is_duplicate))
    finally:
        database.dispose()
    return outcomes


def process_main(url: str, tenant: str, worker: int, mode: Mode, barrier: Any, results: Any) -> None:
    """Entry point of a writer process: report outcomes, or the error, on the results queue."""
    try:
        results.put(("ok", persist_rounds(url, tenant, worker, mode, lambda: barrier.wait(timeout=120))))
    except BaseException as exc:
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def run_in_threads(url: str, tenant: str, mode: Mode) -> list[Outcome]:
    barrier = threading.Barrier(THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [
            pool.submit(persist_rounds, url, tenant, worker, mode, lambda: barrier.wait(timeout=60))
            for worker in range(THREADS)
        ]
        return [outcome for future in futures for outcome in future.result()]


def run_in_processes(url: str, tenant: str, mode: Mode) -> list[Outcome]:
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters, as separate Functions workers would be
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(target=process_main, args=(url, tenant, worker, mode, barrier, results))
        for worker in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    try:
        reports = [results.get(timeout=180) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
    errors = [detail for status, detail in reports if status == "error"]
    assert errors == [], errors
    return [outcome for _, outcomes in reports for outcome in outcomes]


RUNNERS = {"threads": (run_in_threads, THREADS), "processes": (run_in_processes, PROCESSES)}
#: The process writers are spawned interpreters: that case runs in the ``subprocess`` lane, the threads in the fast one.
RUNNER_PARAMS = ["threads", pytest.param("processes", marks=pytest.mark.subprocess)]


@pytest.mark.parametrize("runner", RUNNER_PARAMS)
def test_concurrent_writers_of_the_same_content_make_one_entity_and_one_version(
    runner: str, database: Database, entity_service: EntityService, test_tenant: dict[str, str]
) -> None:
    run, writers = RUNNERS[runner]
    outcomes = run(database.url, test_tenant["id"], "same")
    assert len(outcomes) == writers * ROUNDS
    assert sum(is_new for _, is_new, _ in outcomes) == 1
    assert sum(is_duplicate for _, _, is_duplicate in outcomes) == writers * ROUNDS - 1
    assert {version for version, _, _ in outcomes} == {1}
    assert_one_entity_with_versions(entity_service, test_tenant["id"], 1)


@pytest.mark.parametrize("runner", RUNNER_PARAMS)
def test_concurrent_writers_of_different_content_make_contiguous_versions(
    runner: str, database: Database, entity_service: EntityService, test_tenant: dict[str, str]
) -> None:
    run, writers = RUNNERS[runner]
    outcomes = run(database.url, test_tenant["id"], "different")
    total = writers * ROUNDS
    assert sorted(version for version, _, _ in outcomes) == list(range(1, total + 1))
    assert sum(is_new for _, is_new, _ in outcomes) == 1
    assert not any(is_duplicate for _, _, is_duplicate in outcomes)
    assert_one_entity_with_versions(entity_service, test_tenant["id"], total)


def assert_one_entity_with_versions(entity_service: EntityService, tenant: str, count: int) -> None:
    with tenant_context(tenant):
        entities = entity_service.list_entities()
        assert len(entities) == 1 and entities[0].version == count
        versions = entity_service.get_versions(entities[0].id)
    assert [v.version for v in versions] == list(range(1, count + 1))
    assert versions[-1].content == entities[0].content
