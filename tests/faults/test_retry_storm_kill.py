"""A retry storm under ``exchange dev`` with workers SIGKILLed in the middle of it: nothing is lost.

Every message fails twice (a timeout) and is retried through its queue with a 1 s delay; two workers are killed
while retries are in flight. At the end every message is stored exactly once and nothing sits in a poison or
dead-letter queue.
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from pathlib import Path

from emulator.client.queues import peek, send
from tests.cli.dev_support import DevProcess, make_deployment, wait_for
from tests.faults.support import kill, queue_length, running_workers

APPS = Path(__file__).parent / "apps"
MESSAGES = 120


def stored(database: Path) -> list[tuple[str, int]]:
    """(external id, version count) of every stored order."""
    if not database.exists():
        return []
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
            rows = db.execute(
                "SELECT e.external_id, COUNT(v.id) FROM entities e JOIN entity_versions v ON v.entity_id = e.id "
                "WHERE e.canonical_type = 'order' GROUP BY e.external_id"
            ).fetchall()
    except sqlite3.OperationalError:
        return []
    return [(str(r[0]), int(r[1])) for r in rows]


def test_sigkill_of_workers_during_a_retry_storm_loses_nothing(tmp_path: Path, storage_connection_string: str) -> None:
    storage = storage_connection_string
    prefix = f"k{uuid.uuid4().hex[:10]}"
    values = {"Q_IN": f"{prefix}-in", "DEAD_LETTER_QUEUE": f"dead-letter-{prefix}", "TENANT_ID": prefix}
    app = make_deployment(tmp_path / "app", app="retrying", values=values, apps=APPS)
    database = tmp_path / "storm.sqlite"
    journal = app / ".exchange" / "journal.db"
    dev = DevProcess(app, storage, "--workers", "2", "--lease", "4", "--database-url", f"sqlite:///{database}")
    rng = random.Random(3)
    try:
        dev.wait_for_log("generation 1:", timeout=60)
        send(storage, values["Q_IN"], [json.dumps({"id": f"o-{n}", "fail": 2}) for n in range(MESSAGES)])
        from emulator.journal.store import Journal

        for kills in range(2):
            # kill while retries wait on the queue and others run
            wait_for(lambda k=kills: len(stored(database)) >= (k + 1) * MESSAGES // 4, 120, "part of the storm")
            victim = rng.choice(wait_for(lambda: running_workers(Journal(journal)), what="a running worker"))
            kill(victim)
            wait_for(lambda v=victim: f"(pid {v}) exited" in dev.log(), what="the supervisor to see the kill")
        done = wait_for(lambda: len(stored(database)) >= MESSAGES and stored(database), 240, "every message")
        wait_for(lambda: queue_length(storage, values["Q_IN"]) == 0, 60, "the queue to empty")
        assert dev.interrupt() == 0, dev.log()[-3000:]
    finally:
        dev.close()
    assert sorted(i for i, _ in done) == sorted(f"o-{n}" for n in range(MESSAGES))
    assert {versions for _, versions in done} == {1}  # a redelivered retry is a duplicate, not a new version
    assert peek(storage, f"{values['Q_IN']}-poison") == [] and peek(storage, values["DEAD_LETTER_QUEUE"]) == []
