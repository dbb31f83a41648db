"""The framework's SQL database: one URL, an engine per URL, sessions in transactions.

The URL comes from the caller, else ``DATABASE_URL``, else an SQLite file ``./.exchange/exchange.db``. SQLite and
PostgreSQL are both first-class: SQLite engines get WAL, foreign keys, a busy timeout and ``BEGIN IMMEDIATE`` (so
that read-then-write transactions in several processes queue instead of failing), PostgreSQL engines a pre-ping.
Engines are created on first use, never at import time.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from framework.errors import DatabaseUnavailableError, WriteConflictError

__all__ = [
    "Database",
    "DatabaseUnavailableError",
    "close_databases",
    "create_engine",
    "get_database",
    "import_all_models",
    "resolve_database_url",
]

#: Where the database lives when nothing else is configured (relative to the working directory).
DEFAULT_SQLITE_PATH = Path(".exchange") / "exchange.db"
#: How long an SQLite writer waits for another one before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5000
#: PostgreSQL advisory lock key held while the schema is created ("exchange" in ASCII, as an int).
_SCHEMA_LOCK_KEY = int.from_bytes(b"exchange", "big") >> 1


def resolve_database_url(explicit: str | None = None) -> str:
    """The database URL to use: ``explicit``, else ``DATABASE_URL``, else ``./.exchange/exchange.db`` (SQLite).

    ``postgresql://`` is rewritten to ``postgresql+psycopg://`` (psycopg 3, the ``postgres`` extra).
    """
    url = (explicit or os.environ.get("DATABASE_URL") or "").strip()
    if not url:
        path = (Path.cwd() / DEFAULT_SQLITE_PATH).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def safe_url(url: str | sa.URL) -> str:
    """``url`` with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable database URL>"


def create_engine(url: str) -> Engine:
    """An engine for ``url``, tuned for the framework's read-then-write transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed)
        _tune_sqlite(engine)
    elif parsed.get_backend_name() == "postgresql":
        engine = sa.create_engine(parsed, pool_pre_ping=True)
    else:
        engine = sa.create_engine(parsed)
    sa.event.listen(engine, "handle_error", _unavailable_on_connect_failure)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    """Pragmas and ``BEGIN IMMEDIATE`` on this engine only (never on the global Engine class)."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so that "begin" below is the only BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # first: switching to WAL may wait
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    def on_begin(connection: sa.Connection) -> None:
        # A deferred BEGIN lets two writers read, then both fail to upgrade to a write lock ("database is
        # locked"); IMMEDIATE takes the write lock up front, so writers queue behind the busy timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    sa.event.listen(engine, "connect", on_connect)
    sa.event.listen(engine, "begin", on_begin)


def _unavailable_on_connect_failure(ctx: ExceptionContext) -> BaseException | None:
    """A failure to connect at all (no Connection yet), or a connection lost on the way (the server went away),
    becomes a DatabaseUnavailableError."""
    if not isinstance(ctx.original_exception, Exception):
        return None
    if ctx.connection is not None and not ctx.is_disconnect:
        return None
    url = ctx.engine.url if ctx.engine is not None else "?"
    what = "Cannot connect to" if ctx.connection is None else "Lost the connection to"
    return DatabaseUnavailableError(
        f"{what} the database {safe_url(url)}: {ctx.original_exception}".strip(),
        hint="start the database server or fix DATABASE_URL (unset it to use the local SQLite file "
        "./.exchange/exchange.db)",
    )


class Database:
    """One database: its URL, a lazily created engine and a session factory."""

    def __init__(self, url: str | None = None) -> None:
        #: The resolved SQLAlchemy URL (may contain a password: show :attr:`safe_url` instead).
        self.url = resolve_database_url(url)
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._lock = threading.Lock()
        #: Tenants known to exist in this database (saves a round trip per write).
        self.known_tenants: set[str] = set()

    def __repr__(self) -> str:
        return f"Database({self.safe_url!r})"

    @property
    def safe_url(self) -> str:
        """The URL with its password hidden."""
        return safe_url(self.url)

    @property
    def engine(self) -> Engine:
        """The engine, created on first use."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = create_engine(self.url)
                    self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        return self._engine

    @functools.cached_property
    def dialect(self) -> str:
        """The backend's name: ``sqlite``, ``postgresql``, ..."""
        return make_url(self.url).get_backend_name()

    def create_schema(self) -> None:
        """Create the framework's tables that do not exist yet (idempotent)."""
        from framework.models import Base

        # One transaction, so that processes starting together do not race: on SQLite BEGIN IMMEDIATE
        # serialises them, on PostgreSQL an advisory lock does.
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_SCHEMA_LOCK_KEY)))
            Base.metadata.create_all(connection)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session inside a transaction: committed when the block ends, rolled back if it raises.

        Inside :func:`framework.unit_of_work.unit_of_work` it is the unit's session: the unit commits (or rolls
        back, if anything in it raises).
        """
        from framework.unit_of_work import joined_session

        joined = joined_session(self)
        if joined is not None:
            try:
                yield joined
            except sa.exc.IntegrityError as exc:
                # The unit's transaction is broken now: no write in it can be retried, the whole attempt must be.
                raise WriteConflictError(
                    f"A concurrent writer changed the same rows first: {exc.orig}",
                    hint="the ProcessorHandler retries the attempt in a fresh transaction",
                ) from exc
            return
        _ = self.engine
        assert self._sessions is not None
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection (the engine is re-created if the database is used again)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = None
            self._sessions = None
            self.known_tenants.clear()


_defaults: dict[str, Database] = {}
_defaults_lock = threading.Lock()


def get_database(url: str | None = None) -> Database:
    """The process-wide database for ``url`` (resolved as :func:`resolve_database_url`), schema created."""
    resolved = resolve_database_url(url)
    with _defaults_lock:
        database = _defaults.get(resolved)
        if database is None:
            database = Database(resolved)
            database.create_schema()
            _defaults[resolved] = database
    return database


def close_databases() -> None:
    """Dispose and forget every process-wide database (at shutdown, and between tests)."""
    with _defaults_lock:
        for database in _defaults.values():
            database.dispose()
        _defaults.clear()


def import_all_models() -> None:
    """Import the framework's models and make sure the default database has their tables."""
    import framework.models  # noqa: F401  (registers the tables on the metadata)

    get_database()
