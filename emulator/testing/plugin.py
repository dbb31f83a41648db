"""pytest fixtures for testing processors against real services, no mocks.

Registered as the ``exchange`` pytest plugin (an entry point), so a workspace that installs exchange gets them
without a conftest. Azurite is started once per test session on free ports (or ``EXCHANGE_TEST_STORAGE`` names
a storage account to use instead). The database is a fresh SQLite file per test, or, when
``EXCHANGE_TEST_DATABASE_URL`` names a PostgreSQL database, a schema of its own for the session (emptied before
each test, dropped at the end).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from emulator.azurite import AzuriteEndpoints
from framework.queues import Encoding

if TYPE_CHECKING:
    from framework.db import Database
    from framework.processor_context import ProcessorContext
    from framework.services import EntityService, ProcessingErrorService, ProcessingService, StateTrackingService


@dataclass(frozen=True)
class QueueMessageSeen:
    """A message read back from a queue by :func:`read_queue`."""

    #: The decoded body text.
    text: str
    #: How many times it had been dequeued before this read.
    dequeue_count: int

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.text)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzuriteEndpoints]:
    """A real Azurite for the whole session, on free ports, stopped gracefully at the end."""
    from emulator import azurite as az

    proc = az.start(tmp_path_factory.mktemp("azurite"))
    try:
        yield proc.endpoints
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def storage_connection_string(request: pytest.FixtureRequest) -> str:
    """A connection string to real storage: ``EXCHANGE_TEST_STORAGE`` if set, else the session's Azurite."""
    explicit = os.environ.get("EXCHANGE_TEST_STORAGE")
    if explicit:
        return explicit
    endpoints: AzuriteEndpoints = request.getfixturevalue("azurite")
    return endpoints.connection_string


@pytest.fixture
def storage_env(storage_connection_string: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point ``AzureWebJobsStorage`` at the test storage for the duration of the test (as the host would)."""
    monkeypatch.setenv("AzureWebJobsStorage", storage_connection_string)
    return storage_connection_string


@pytest.fixture
def queue_name() -> str:
    """A fresh, valid queue name, unique to the test."""
    return f"t-{uuid.uuid4().hex[:20]}"


def read_queue(
    connection_string: str, queue: str, *, encoding: Encoding = "base64", consume: bool = True, limit: int = 32
) -> list[QueueMessageSeen]:
    """Read up to ``limit`` messages from ``queue`` (decoded), deleting them unless ``consume`` is False.

    A queue that does not exist reads as empty.
    """
    from azure.core.exceptions import ResourceNotFoundError

    from framework.queues import decode_body
    from framework.storage import queue_client

    client = queue_client(queue, connection_string)
    seen: list[QueueMessageSeen] = []
    try:
        if not consume:
            for msg in client.peek_messages(max_messages=min(limit, 32)):
                seen.append(QueueMessageSeen(decode_body(msg.content, encoding).decode(), msg.dequeue_count or 0))
            return seen
        while len(seen) < limit:
            batch = list(client.receive_messages(max_messages=min(32, limit - len(seen)), visibility_timeout=30))
            if not batch:
                break
            for msg in batch:
                seen.append(QueueMessageSeen(decode_body(msg.content, encoding).decode(), (msg.dequeue_count or 1) - 1))
                client.delete_message(msg)
    except ResourceNotFoundError:
        return []
    finally:
        client.close()
    return seen


@pytest.fixture
def queue_reader(storage_connection_string: str) -> Callable[..., list[QueueMessageSeen]]:
    """``queue_reader("orders")`` returns (and removes) what landed on a queue of the test storage."""

    def reader(queue: str, **kwargs: Any) -> list[QueueMessageSeen]:
        return read_queue(storage_connection_string, queue, **kwargs)

    return reader


@pytest.fixture
def exchange_project(tmp_path: Path) -> Path:
    """An empty project folder for the test."""
    path = tmp_path / "project"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def _exchange_test_database_url() -> Iterator[str | None]:
    """``EXCHANGE_TEST_DATABASE_URL`` for the session; for PostgreSQL, pointed at a fresh schema of its own."""
    explicit = os.environ.get("EXCHANGE_TEST_DATABASE_URL")
    if not explicit:
        yield None
        return
    from framework.db import resolve_database_url

    url = resolve_database_url(explicit)
    if not url.startswith("postgresql"):
        yield url
        return
    with postgres_schema(url) as schema_url:
        yield schema_url


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema ``exchange_test_<random>`` in the PostgreSQL database of ``url``, dropped on exit.

    Yields ``url`` with ``search_path`` set to the schema, so every engine and process made from it stays inside.
    """
    import sqlalchemy as sa

    from framework.db import create_engine

    schema = f"exchange_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        scoped = sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def database_url(_exchange_test_database_url: str | None, tmp_path: Path) -> str:
    """The test database's URL: the session's PostgreSQL schema, else a fresh SQLite file for this test."""
    if _exchange_test_database_url:
        return _exchange_test_database_url
    return f"sqlite:///{tmp_path / 'exchange.db'}"


@pytest.fixture(scope="session")
def _exchange_migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to the newest revision once per session.

    A test's SQLite database starts as a copy of it: copying costs a millisecond where migrating a new file costs
    ~100 ms, and :meth:`~framework.db.Database.create_schema` still runs on the copy (finding it current).
    """
    from framework.db import Database

    path = tmp_path_factory.mktemp("exchange-schema") / "exchange.db"
    db = Database(f"sqlite:///{path}")
    try:
        db.create_schema()
    finally:
        db.dispose()  # the last connection closing checkpoints the WAL: the one file is the whole database
    return path


@pytest.fixture
def database(database_url: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A :class:`framework.db.Database` on the test database, schema created and every table empty."""
    import sqlalchemy as sa

    from framework.db import Database
    from framework.models import Base

    db = Database(database_url)
    path = sa.make_url(database_url).database
    if db.dialect == "sqlite" and path and not db.exists():
        shutil.copyfile(request.getfixturevalue("_exchange_migrated_sqlite"), path)
    db.create_schema()
    if db.dialect == "postgresql":
        tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def database_env(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point ``DATABASE_URL`` (and so every service made without a database) at the test database."""
    from framework.databases import close_databases

    monkeypatch.setenv("DATABASE_URL", database.url)
    close_databases()
    try:
        yield database.url
    finally:
        close_databases()


@pytest.fixture
def processing_service(database: Database) -> ProcessingService:
    """A ProcessingService on the test database."""
    from framework.services import ProcessingService

    return ProcessingService(database)


@pytest.fixture
def entity_service(database: Database) -> EntityService:
    """An EntityService on the test database."""
    from framework.services import EntityService

    return EntityService(database)


@pytest.fixture
def state_tracking_service(database: Database) -> StateTrackingService:
    """A StateTrackingService on the test database."""
    from framework.services import StateTrackingService

    return StateTrackingService(database)


@pytest.fixture
def processing_error_service(database: Database) -> ProcessingErrorService:
    """A ProcessingErrorService on the test database."""
    from framework.services import ProcessingErrorService

    return ProcessingErrorService(database)


@pytest.fixture
def test_tenant() -> dict[str, str]:
    """A tenant unique to the test: ``{"id": "test-tenant-<short uuid>", "name": ...}``; enter it with
    ``tenant_context(test_tenant["id"])``."""
    short = uuid.uuid4().hex[:8]
    return {"id": f"test-tenant-{short}", "name": f"Test tenant {short}"}


@pytest.fixture
def processor_context(
    processing_service: ProcessingService,
    entity_service: EntityService,
    state_tracking_service: StateTrackingService,
    processing_error_service: ProcessingErrorService,
    database: Database,
) -> ProcessorContext:
    """A real :class:`framework.ProcessorContext` over the test database's services."""
    from framework.processor_context import ProcessorContext

    return ProcessorContext(
        processing_service, state_tracking_service, processing_error_service, entity_service, database=database
    )
