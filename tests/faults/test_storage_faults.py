"""Storage errors classified by what they mean, on real storage: a full filesystem (tmpfs), a read-only one, a
locked SQLite file, a read-only PostgreSQL session, a role without grants, a refused connection.

None of them is the message's fault, so none is dead-lettered: the handler raises ServiceOutageError and the host
keeps the message on its queue (a full or read-only disk at once; a lock or a refused connection after retries).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.testing.plugin import QueueMessageSeen
from framework import (
    Database,
    Message,
    ProcessingResult,
    ProcessorConfig,
    ProcessorContext,
    ProcessorHandler,
    ProcessorInterface,
    ServiceOutageError,
    tenant_context,
)
from framework.classify import storage_fault
from framework.faults import Fault

Reader = Callable[..., list[QueueMessageSeen]]
POSTGRES = os.environ.get("EXCHANGE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class Stores(ProcessorInterface):
    """Persists the payload as an entity (a big one fills a small disk)."""

    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        entity_id = context.persist_entity(str(message.payload["id"]), "order", "faults", message.payload)
        return ProcessingResult.create_success(entities_created=[entity_id])


def handler_on(database: Database, dead_letters: str, **config: Any) -> ProcessorHandler:
    settings = {"processor_name": "faults", "tenant_id": "acme", "dead_letter_queue": dead_letters, **config}
    return ProcessorHandler(Stores(), ProcessorConfig(**settings), ProcessorContext(database=database))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs: a real filesystem that fills up."""
    if os.geteuid() != 0:
        pytest.fail("mounting a tmpfs needs root (this suite runs as root in CI)")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> None:
    """Take every free byte of the filesystem."""
    with (folder / "ballast").open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass


def test_a_full_disk_keeps_the_message_on_its_queue_and_dead_letters_nothing(
    small_disk: Path, queue_name: str, storage_env: str, queue_reader: Reader
) -> None:
    database = Database(f"sqlite:///{small_disk / 'exchange.db'}")
    database.create_schema()
    fill(small_disk)
    handler = handler_on(database, queue_name, source_queue=f"{queue_name}-in")
    try:
        outcomes = []
        for n in range(5):
            with pytest.raises(ServiceOutageError) as raised:
                handler.execute(Message(payload={"id": f"F-{n}", "blob": "x" * 200_000}))
            outcomes.append(storage_fault(raised.value.__cause__))  # type: ignore[arg-type]
        assert "disk (or database) is full" in str(raised.value) and "stays on its queue" in str(raised.value)
    finally:
        database.dispose()
    assert outcomes == [Fault.DISK_FULL] * 5
    assert queue_reader(queue_name) == [] and queue_reader(f"{queue_name}-in") == []  # no dead letter, no retry


def test_a_read_only_filesystem_is_read_only_not_transient(
    small_disk: Path, queue_name: str, storage_env: str, queue_reader: Reader
) -> None:
    database = Database(f"sqlite:///{small_disk / 'exchange.db'}")
    database.create_schema()
    database.dispose()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    database = Database(f"sqlite:///{small_disk / 'exchange.db'}")
    try:
        with pytest.raises(ServiceOutageError, match=r"read-only|permission") as raised:
            handler_on(database, queue_name).execute(Message(payload={"id": "R-1"}))
    finally:
        database.dispose()
    assert storage_fault(raised.value.__cause__) in (Fault.READ_ONLY, Fault.PERMISSION)  # type: ignore[arg-type]
    assert queue_reader(queue_name) == []


def test_a_locked_sqlite_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as raised:
        other.execute("INSERT INTO t VALUES (1)")
    holder.close()
    other.close()
    assert storage_fault(raised.value) is Fault.LOCKED and Fault.LOCKED.passes_soon


@pytest.fixture
def postgres() -> Iterator[Database]:
    """The framework's tables in a schema of their own on the test PostgreSQL (its absence fails, never skips)."""
    from emulator.testing.plugin import postgres_schema

    try:
        schema = postgres_schema(POSTGRES)
        url = schema.__enter__()
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES} is needed for this test: {exc}")
    database = Database(url)
    database.create_schema()
    try:
        yield database
    finally:
        database.dispose()
        schema.__exit__(None, None, None)


def with_options(url: str, *options: str) -> str:
    """``url`` with more ``-c`` settings for every session, next to its search_path."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    current = str(parsed.query.get("options", ""))
    added = " ".join(f"-c{option}" for option in options)
    return parsed.update_query_dict({"options": f"{current} {added}".strip()}).render_as_string(hide_password=False)


@pytest.mark.database
def test_a_read_only_postgresql_session_keeps_the_message(
    postgres: Database, queue_name: str, storage_env: str, queue_reader: Reader
) -> None:
    read_only = Database(with_options(postgres.url, "default_transaction_read_only=on"))
    try:
        with pytest.raises(ServiceOutageError, match="read-only") as raised:
            handler_on(read_only, queue_name).execute(Message(payload={"id": "P-1"}))
    finally:
        read_only.dispose()
    assert storage_fault(raised.value.__cause__) is Fault.READ_ONLY  # type: ignore[arg-type]
    assert queue_reader(queue_name) == []


@pytest.mark.database
def test_a_role_without_grants_is_a_permission_fault(postgres: Database, queue_name: str, storage_env: str) -> None:
    role = f"noperm_{uuid.uuid4().hex[:8]}"
    schema = str(postgres.engine.url.query["options"]).split("search_path=")[1].split()[0]
    with postgres.engine.begin() as c:
        c.exec_driver_sql(f'CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA "{schema}" TO {role}')
    limited = Database(postgres.url.replace("postgres@", f"{role}@", 1))
    try:
        with pytest.raises(ServiceOutageError, match="permission denied") as raised:
            handler_on(limited, queue_name).execute(Message(payload={"id": "P-2"}))
    finally:
        limited.dispose()
        with postgres.engine.begin() as c:
            c.exec_driver_sql(f'REVOKE USAGE ON SCHEMA "{schema}" FROM {role}; DROP ROLE {role}')
    assert storage_fault(raised.value.__cause__) is Fault.PERMISSION  # type: ignore[arg-type]


def test_a_refused_connection_is_retried_then_kept_never_dead_lettered(
    queue_name: str, storage_env: str, queue_reader: Reader
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    database = Database(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nothing")
    handler = handler_on(database, queue_name, source_queue=f"{queue_name}-in")
    first = handler.execute(message := Message(payload={"id": "C-1"}))
    assert first.processing_metadata["retry_scheduled"]["queue"] == f"{queue_name}-in"  # passes soon: retried
    message.retry_count = handler.config.retry_policy.max_attempts - 1
    with pytest.raises(ServiceOutageError, match="refused") as raised, tenant_context("acme"):
        handler.execute(message)
    assert storage_fault(raised.value.__cause__) is Fault.CONNECTION_REFUSED  # type: ignore[arg-type]
    assert queue_reader(queue_name) == []
