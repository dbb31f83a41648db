"""The database URL, engines and the process-wide database."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from framework.databases import close_databases, get_database, import_all_models
from framework.db import Database, DatabaseUnavailableError, create_engine, resolve_database_url

pytestmark = pytest.mark.database


@pytest.fixture
def no_database_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No DATABASE_URL, the working directory a fresh folder, no process-wide database left over."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    close_databases()
    yield tmp_path
    close_databases()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_default_url_is_an_sqlite_file_under_dot_exchange_in_the_working_directory(no_database_env: Path) -> None:
    url = resolve_database_url()
    assert url == f"sqlite:///{no_database_env.resolve() / '.exchange' / 'exchange.db'}"
    assert not (no_database_env / ".exchange").exists()  # resolving creates nothing; the engine makes the folder


def test_database_url_from_the_environment_wins_over_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    assert resolve_database_url() == "sqlite:////tmp/elsewhere.db"
    assert resolve_database_url("sqlite:////tmp/explicit.db") == "sqlite:////tmp/explicit.db"


def test_postgresql_urls_use_the_psycopg3_driver() -> None:
    assert resolve_database_url("postgresql://u:p@db:5432/x") == "postgresql+psycopg://u:p@db:5432/x"
    assert resolve_database_url("postgres://db/x") == "postgresql+psycopg://db/x"
    assert resolve_database_url("postgresql+psycopg://db/x") == "postgresql+psycopg://db/x"


def test_an_sqlite_database_never_needs_a_postgresql_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    database = Database(f"sqlite:///{tmp_path / 'own.db'}")
    database.create_schema()
    database.create_schema()  # idempotent
    assert set(sa.inspect(database.engine).get_table_names()) >= {"tenants", "entities", "entity_versions"}
    database.dispose()


def test_a_database_connects_only_when_first_used(tmp_path: Path) -> None:
    path = tmp_path / "lazy.db"
    database = Database(f"sqlite:///{path}")
    assert not path.exists()
    database.create_schema()
    assert path.exists()
    database.dispose()


def test_an_sqlite_file_in_a_missing_folder_gets_its_folder(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'deep' / 'er' / 'x.db'}")
    database.create_schema()
    assert (tmp_path / "deep" / "er" / "x.db").is_file()
    database.dispose()


def test_import_all_models_creates_nothing_and_the_first_use_migrates_the_default_sqlite_database(
    no_database_env: Path,
) -> None:
    import_all_models()
    database = get_database()
    path = no_database_env / ".exchange" / "exchange.db"
    assert not path.parent.exists()
    tables = sa.inspect(database.engine).get_table_names()  # the first use
    assert path.is_file()
    assert {"tenants", "entities", "entity_versions", "state_transitions", "processing_errors"} <= set(tables)
    assert "alembic_version" in tables


def test_get_database_returns_one_database_per_url(no_database_env: Path) -> None:
    assert get_database() is get_database(resolve_database_url())
    assert get_database() is not get_database(f"sqlite:///{no_database_env / 'other.db'}")


def test_sqlite_engines_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'tuned.db'}")
    with engine.connect() as connection:
        pragmas = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in _PRAGMAS}
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": 1}
    engine.dispose()


_PRAGMAS = ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")


def test_other_sqlite_engines_in_the_process_are_left_alone(tmp_path: Path) -> None:
    create_engine(f"sqlite:///{tmp_path / 'tuned.db'}").dispose()
    plain = sa.create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    with plain.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
    plain.dispose()


def test_an_unreachable_postgresql_server_raises_database_unavailable_without_the_password() -> None:
    port = free_port()  # nothing listens there: the connection is refused
    database = Database(f"postgresql://admin:s3cret@127.0.0.1:{port}/test")
    with pytest.raises(DatabaseUnavailableError) as caught:
        database.create_schema()
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "s3cret" not in message and "***" in message
    assert "DATABASE_URL" in (caught.value.hint or "")


def test_the_test_database_fixture_has_the_schema(database: Database) -> None:
    assert "entities" in sa.inspect(database.engine).get_table_names()
