"""Scale-out as on Functions: ``exchange dev --workers N`` runs N processes on the same queues and one database.

Duplicate detection and version numbers stay right with concurrent writers in different processes: the same
content sent many times makes one version; distinct contents make one version each, numbered without gaps.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from emulator.client.queues import send
from tests.cli.dev_support import DevProcess, make_deployment, wait_for
from tests.faults.support import postgres_database, queue_length, running_workers

pytestmark = pytest.mark.subprocess

WORKERS = 3
IDS = 12
COPIES = 5


def versions(database_url: str, tenant: str) -> dict[str, list[int]]:
    """Each order's stored version numbers in order, then its current version."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT e.external_id, v.version, e.version FROM entities e "
                    "JOIN entity_versions v ON v.entity_id = e.id WHERE e.tenant_id = :t ORDER BY v.version"
                ),
                {"t": tenant},
            ).all()
    except sa.exc.DBAPIError:  # the tables do not exist until the first write
        return {}
    finally:
        engine.dispose()
    stored: dict[str, list[int]] = {}
    current: dict[str, int] = {}
    for external_id, version, entity_version in rows:
        stored.setdefault(external_id, []).append(version)
        current[external_id] = entity_version
    return {external_id: [*numbers, current[external_id]] for external_id, numbers in stored.items()}


def test_workers_share_the_queues_and_keep_duplicates_and_versions_right(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    run_scale_out(tmp_path, storage_connection_string, queue_name, f"sqlite:///{tmp_path / 'orders.db'}")


@pytest.mark.slow
def test_workers_keep_duplicates_and_versions_right_on_postgresql(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    with postgres_database() as url:
        run_scale_out(tmp_path, storage_connection_string, queue_name, url)


def run_scale_out(tmp_path: Path, storage_connection_string: str, queue_name: str, database_url: str) -> None:
    """Same content five times: one version; five contents: versions 1-5; work spread over the workers."""
    tenant = f"scale-{queue_name[-8:]}"
    values = {"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out", "TENANT_ID": tenant}
    deployment = make_deployment(tmp_path / "orders", app="orders", values=values)
    same = [json.dumps({"id": f"same-{i}", "total": 1}) for i in range(IDS) for _ in range(COPIES)]
    changing = [json.dumps({"id": f"changing-{i}", "total": n}) for i in range(IDS) for n in range(COPIES)]
    dev = DevProcess(deployment, storage_connection_string, "--workers", str(WORKERS), "--database-url", database_url)
    try:
        dev.wait_for_log("generation 1:", timeout=90)
        send(storage_connection_string, queue_name, [m for pair in zip(same, changing, strict=True) for m in pair])
        wait_for(lambda: queue_length(storage_connection_string, queue_name) == 0, 60, "the queue to drain")
        found = wait_for(lambda: (v := versions(database_url, tenant)) and len(v) == 2 * IDS and v, 30, "entities")
        from emulator.journal.store import Journal

        journal = Journal(deployment / ".exchange" / "journal.db")
        workers = running_workers(journal)
        served = Counter(e.pid for e in journal.read(kinds=["invocation.end"], limit=100_000))
    finally:
        dev.close()

    assert len(workers) == WORKERS
    assert len(served) > 1, f"one worker took every message: {served}"
    # [stored versions..., current version]
    assert all(found[f"same-{i}"] == [1, 1] for i in range(IDS)), found
    assert all(found[f"changing-{i}"] == [*range(1, COPIES + 1), COPIES] for i in range(IDS)), found
