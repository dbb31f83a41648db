"""Messages per second through ProcessorHandler + persist_entity, against hand-written SQLAlchemy loops.

Every loop writes the same rows for each message, in the same run and the same database: an entity, its first
version and — when state tracking is on — the message's state transitions (received, processing, completed), one
transaction per message. The yardstick (issue 13, item 6: ratio >= 0.9 with state tracking on) is the plain Core
loop: SQLAlchemy Core statements, no ORM, no framework — the fastest way to write these rows by hand. Two ORM loops
(with and without the framework's duplicate-check read) are measured for reference. The framework runs the whole
handler: tenant and correlation context, validation, persist_entity (duplicate check, hashing, versioning), state
tracking, metrics, events.

The ratio is measured so that a busy machine slows both sides alike: each round runs the framework and the Core loop
in alternating chunks of messages, and the figure is the median of the rounds' ratios (msg/s are the best round's).
The figures go to ``bench/run_all.py`` through :func:`report.figure`.

    .venv/bin/python bench/handler.py                      # SQLite file and PostgreSQL, 1000 messages x 5 rounds
    .venv/bin/python bench/handler.py --messages 3000 --only sqlite
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/handler.py

PostgreSQL runs in a schema of its own (created and dropped here), so it does not disturb other users.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import figure

from framework import Database, Message, ProcessingResult, ProcessorConfig, ProcessorContext, ProcessorInterface
from framework.entities import content_hash
from framework.handler import ProcessorHandler
from framework.models import EntityRow, EntityVersionRow, StateTransitionRow, TenantRow, utcnow

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TENANT = "bench"
#: The state transitions of one message that the framework records with state tracking on.
STATES = ((None, "received"), ("received", "processing"), ("processing", "completed"))
#: The target of the framework's rate over the Core loop's, with state tracking on.
TARGET = 0.9
#: Messages per chunk: the framework and the Core loop alternate this often within a round.
CHUNK = 100


class PersistOne(ProcessorInterface):
    """Stores one entity per message; no outputs."""

    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        entity_id = context.persist_entity(message.payload["id"], "order", "bench", message.payload)
        return ProcessingResult.create_success(entities_created=[entity_id])


def payloads(n: int, run: str) -> list[dict[str, Any]]:
    return [{"id": f"{run}-{i}", "total": i, "lines": [{"sku": "A", "qty": 1}]} for i in range(n)]


def run_framework(db: Database, items: list[dict[str, Any]], tracking: bool) -> float:
    config = ProcessorConfig(
        processor_name="bench", tenant_id=TENANT, enable_state_tracking=tracking, dead_letter_queue=None
    )
    handler = ProcessorHandler(PersistOne(), config, ProcessorContext(database=db))
    start = time.perf_counter()
    for item in items:
        result = handler.execute(Message(payload=item, tenant_id=TENANT))
        assert result.success, result.error_message
    return time.perf_counter() - start


def run_plain(db: Database, items: list[dict[str, Any]], tracking: bool, check: bool = False) -> float:
    """The same rows by hand; ``check`` adds the duplicate-detection read the framework does (same semantics)."""
    sessions = sa.orm.sessionmaker(db.engine)
    start = time.perf_counter()
    for item in items:
        message_id = uuid.uuid4().hex
        with sessions() as s, s.begin():
            if check:
                found = s.scalars(
                    sa.select(EntityRow)
                    .where(
                        EntityRow.tenant_id == TENANT,
                        EntityRow.canonical_type == "order",
                        EntityRow.source == "bench",
                        EntityRow.external_id == item["id"],
                    )
                    .with_for_update()
                ).one_or_none()
                assert found is None
            now = utcnow()
            row = EntityRow(
                id=uuid.uuid4().hex,
                tenant_id=TENANT,
                external_id=item["id"],
                canonical_type="order",
                source="bench",
                version=1,
                content=item,
                content_hash=content_hash(item),
                attributes={},
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            s.add(
                EntityVersionRow(
                    entity_id=row.id,
                    version=1,
                    content=item,
                    content_hash=row.content_hash,
                    attributes={},
                    meta={},
                    created_at=now,
                )
            )
            if tracking:
                for before, after in STATES:
                    s.add(
                        StateTransitionRow(
                            tenant_id=TENANT,
                            entity_id=row.id,
                            message_id=message_id,
                            processor="bench",
                            from_state=before,
                            to_state=after,
                            details={},
                        )
                    )
    return time.perf_counter() - start


def run_plain_core(db: Database, items: list[dict[str, Any]], tracking: bool) -> float:
    """The same rows with SQLAlchemy Core: the fastest plain loop, for reference (the target is against the ORM one)."""
    entities, versions, transitions = (
        sa.insert(cast(sa.Table, row.__table__)) for row in (EntityRow, EntityVersionRow, StateTransitionRow)
    )
    start = time.perf_counter()
    for item in items:
        message_id, entity_id, now, digest = uuid.uuid4().hex, uuid.uuid4().hex, utcnow(), content_hash(item)
        with db.engine.begin() as c:
            c.execute(
                entities,
                {
                    "id": entity_id,
                    "tenant_id": TENANT,
                    "external_id": item["id"],
                    "canonical_type": "order",
                    "source": "bench",
                    "version": 1,
                    "content": item,
                    "content_hash": digest,
                    "attributes": {},
                    "created_at": now,
                    "updated_at": now,
                },
            )
            c.execute(
                versions,
                {
                    "entity_id": entity_id,
                    "version": 1,
                    "content": item,
                    "content_hash": digest,
                    "attributes": {},
                    "metadata": {},
                    "created_at": now,
                },
            )
            if tracking:
                c.execute(
                    transitions,
                    [
                        {
                            "tenant_id": TENANT,
                            "entity_id": entity_id,
                            "message_id": message_id,
                            "processor": "bench",
                            "from_state": before,
                            "to_state": after,
                            "details": {},
                        }
                        for before, after in STATES
                    ],
                )
    return time.perf_counter() - start


@contextmanager
def sqlite_database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        yield db
        db.dispose()


@contextmanager
def postgres_database() -> Iterator[Database]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        db = Database(url.render_as_string(hide_password=False))
        yield db
        db.dispose()
    finally:
        with admin.begin() as c:
            c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def compare(db: Database, n: int, rounds: int, tracking: bool, tag: str) -> tuple[float, float, float]:
    """(framework msg/s, Core loop msg/s, ratio): chunks of both alternate within each round; the ratio is the
    median of the rounds' ratios, the rates are the best round's."""
    ratios, best_f, best_k = [], 0.0, 0.0
    for r in range(rounds):
        spent_f = spent_k = 0.0
        for c in range(0, n, CHUNK):
            size = min(CHUNK, n - c)
            spent_f += run_framework(db, payloads(size, f"f{tag}{r}-{c}"), tracking)
            spent_k += run_plain_core(db, payloads(size, f"k{tag}{r}-{c}"), tracking)
        ratios.append(spent_k / spent_f)
        best_f, best_k = max(best_f, n / spent_f), max(best_k, n / spent_k)
    return best_f, best_k, statistics.median(ratios)


def bench(name: str, make_db: Callable[[], Any], n: int, rounds: int) -> None:
    with make_db() as db:
        db.create_schema()
        with db.session() as s:
            s.add(TenantRow(id=TENANT, name=TENANT))
        run_framework(db, payloads(50, "warm-f"), True)  # warm up engines, pools, caches
        run_plain(db, payloads(50, "warm-p"), True)
        run_plain_core(db, payloads(50, "warm-k"), True)
        for tracking in (True, False):
            f, k, ratio = compare(db, n, rounds, tracking, str(tracking))
            p = n / min(run_plain(db, payloads(n, f"p{tracking}{r}"), tracking) for r in range(max(1, rounds // 2)))
            c = n / min(
                run_plain(db, payloads(n, f"c{tracking}{r}"), tracking, check=True) for r in range(max(1, rounds // 2))
            )
            label = "state tracking on" if tracking else "state tracking off"
            print(
                f"{name:10s} {label}: framework {f:5.0f} msg/s | plain Core loop {k:5.0f} msg/s, ratio {ratio:.2f} "
                f"(median of {rounds} interleaved rounds) | plain ORM loop {p:5.0f} msg/s | "
                f"ORM loop + duplicate check {c:5.0f} msg/s"
            )
            figure(
                f"entity writes, {name}, {label} (msg/s)",
                f,
                "msg/s",
                baseline=k,
                baseline_name="hand-written Core loop",
                ratio=ratio,
                target=f">= {TARGET}x" if tracking else "",
                holds=ratio >= TARGET if tracking else None,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.only != "postgresql":
        bench("sqlite", sqlite_database, args.messages, args.rounds)
    if args.only != "sqlite":
        bench("postgresql", postgres_database, args.messages, args.rounds)


if __name__ == "__main__":
    main()
