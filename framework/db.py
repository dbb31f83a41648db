"""The framework's SQL database: one URL, a lazily made engine, sessions in transactions, units of work.

The URL comes from the caller, else ``DATABASE_URL``, else (only off Azure) an SQLite file
``./.exchange/exchange.db``. SQLite and PostgreSQL are both first-class: SQLite engines get WAL, foreign keys, a busy
timeout and ``BEGIN IMMEDIATE`` (so that read-then-write transactions in several processes queue instead of
failing), PostgreSQL engines a pre-ping. Nothing connects, creates a file or runs DDL before the first use.

Inside ``with database.unit():`` (:func:`framework.unit_of_work.unit_of_work`) every ``database.session()`` opened
in the same thread joins the unit's transaction instead of committing on its own. Which databases a process uses,
by URL, is :mod:`framework.databases`.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine, ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from framework.errors import ConfigurationError, DatabaseUnavailableError, WriteConflictError
from framework.hosting import running_on_azure
from framework.schema import current as schema_state
from framework.schema import ensure_current, upgrade

__all__ = [
    "Database",
    "DatabaseUnavailableError",
    "SchemaPolicy",
    "create_engine",
    "resolve_database_url",
]

#: What a database does about its schema on first use: nothing (the caller calls :meth:`Database.create_schema`),
#: migrate it to head (locally), or only check that it is at head (on Azure, where a release step migrates).
SchemaPolicy = Literal["none", "migrate", "verify"]

#: Where the database lives when nothing else is configured (relative to the working directory).
DEFAULT_SQLITE_PATH = Path(".exchange") / "exchange.db"
#: How long an SQLite writer waits for another one before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5000


def _conflict(exc: sa.exc.IntegrityError) -> WriteConflictError:
    # The unit's transaction is broken now: no write in it can be retried, the whole attempt must be.
    return WriteConflictError(
        f"A concurrent writer changed the same rows first: {exc.orig}",
        hint="the ProcessorHandler retries the attempt in a fresh transaction",
    )


@contextmanager
def _conflict_fails_the_unit() -> Iterator[None]:
    try:
        yield
    except sa.exc.IntegrityError as exc:
        raise _conflict(exc) from exc


def resolve_database_url(explicit: str | None = None, settings: Mapping[str, str] | None = None) -> str:
    """The database URL to use: ``explicit``, else ``DATABASE_URL`` in ``settings`` (default: the process
    environment), else ``./.exchange/exchange.db`` (SQLite).

    ``postgresql://`` is rewritten to ``postgresql+psycopg://`` (psycopg 3, the ``postgres`` extra). On Azure there
    is no default: the app's folder is read-only and an instance's disk is not shared, so a missing
    ``DATABASE_URL`` is an error. Creates nothing (the SQLite file's folder is made when the engine is).
    """
    env = os.environ if settings is None else settings
    url = (explicit or env.get("DATABASE_URL") or "").strip()
    if not url:
        if running_on_azure(env):
            raise DatabaseUnavailableError(
                "No database is configured: the app setting DATABASE_URL is not set on this Azure Functions app.",
                hint="add DATABASE_URL (e.g. postgresql://user:password@host:5432/db) to the function app's "
                "application settings; there is no local SQLite default on Azure",
            )
        return f"sqlite:///{(Path.cwd() / DEFAULT_SQLITE_PATH).resolve()}"
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
    """An engine for ``url``, tuned for the framework's read-then-write transactions.

    A URL SQLAlchemy cannot read, or whose driver is not installed, is a :class:`ConfigurationError`.
    """
    try:
        return _create_engine(make_url(url))
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise ConfigurationError(
            f"The database URL {safe_url(url)} cannot be used: {exc}",
            hint="set DATABASE_URL to sqlite:///path/to/file.db or postgresql://user:password@host:5432/db "
            "(PostgreSQL needs the postgres extra: pip install 'exchange[postgres]')",
        ) from exc


def _create_engine(parsed: sa.URL) -> Engine:
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


def _use_wal(cursor: Any) -> None:
    """WAL mode (it stays with the file). On a new file two first connections can race to switch it, and SQLite
    answers the loser "database is locked" at once, without its busy handler: retry that one statement, briefly."""
    import sqlite3

    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)  # one pragma on connect, never a processing attempt


def _tune_sqlite(engine: Engine) -> None:
    """Pragmas and ``BEGIN IMMEDIATE`` on this engine only (never on the global Engine class)."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so that "begin" below is the only BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # first: switching to WAL may wait
            _use_wal(cursor)
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


@dataclass
class _Unit:
    """One unit of work: its connection and transaction are opened by the first statement (so the write lock of
    SQLite's ``BEGIN IMMEDIATE`` is not held before there is anything to write), an ORM session only if asked."""

    database: Database
    thread: int
    _connection: sa.Connection | None = None
    #: An ORM session on the unit's connection, made only when something asks for one.
    session: Session | None = None

    #: The session was made first (bound to the engine): its transaction is the unit's.
    _session_owns: bool = False

    def connection(self) -> sa.Connection:
        if self._connection is None:
            if self.session is not None:
                self._connection = self.session.connection()
            else:
                self._connection = self.database.engine.connect()
                self._connection.begin()
        return self._connection

    def orm_session(self) -> Session:
        if self.session is None:
            if self._connection is None:  # lazy: the session connects at its first flush or query
                self.session = self.database.new_session()
                self._session_owns = True
            else:  # joins the unit's transaction: the unit commits or rolls back, not the session
                self.session = Session(bind=self._connection, expire_on_commit=False)
        return self.session

    def finish(self, commit: bool) -> None:
        """Commit (flushing the session first) or roll back, then let go of the connection."""
        try:
            if self._session_owns:
                assert self.session is not None
                (self.session.commit if commit else self.session.rollback)()
            else:
                if commit and self.session is not None:
                    self.session.flush()
                if self._connection is not None:
                    (self._connection.commit if commit else self._connection.rollback)()
        finally:
            if self.session is not None:
                self.session.close()
            if self._connection is not None and not self._session_owns:
                self._connection.close()


#: The unit of work in force, if any (see :meth:`Database.unit`). Not a registry: a context variable, per task and
#: thread like those of :mod:`framework.context`, kept here (private) because its type is this module's, and
#: framework.context must not import SQLAlchemy (``import framework`` stays light).
_current_unit: ContextVar[_Unit | None] = ContextVar("exchange_unit_of_work", default=None)


class Database:
    """One database: its URL, a lazily created engine, a session factory and what to do about the schema."""

    def __init__(self, url: str | None = None, *, schema: SchemaPolicy = "none") -> None:
        #: The resolved SQLAlchemy URL (may contain a password: show :attr:`safe_url` instead).
        self.url = resolve_database_url(url)
        #: What the first use does about the schema.
        self.schema_policy: SchemaPolicy = schema
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._lock = threading.Lock()
        self._schema_checked = schema == "none"
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
        """The engine, created on first use (when the schema policy says so, the schema is checked then too)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = create_engine(self.url)
                    if not self._schema_checked:
                        self._prepare_schema(engine)
                    self._sessions = sessionmaker(engine, expire_on_commit=False)
                    self._engine = engine
        return self._engine

    def _prepare_schema(self, engine: Engine) -> None:
        try:
            ensure_current(engine, migrate=self.schema_policy == "migrate")
        except BaseException:
            engine.dispose()
            raise
        self._schema_checked = True

    @functools.cached_property
    def dialect(self) -> str:
        """The backend's name: ``sqlite``, ``postgresql``, ..."""
        return make_url(self.url).get_backend_name()

    def create_schema(self) -> None:
        """Migrate the framework's tables to the newest revision (idempotent; adopts a ``create_all`` schema).

        One transaction under a lock, so that processes starting together do not race.
        """
        upgrade(self.engine)

    def exists(self) -> bool:
        """False for an SQLite file that is not there yet (checked without creating it); else True."""
        parsed = make_url(self.url)
        path = parsed.database
        if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
            return True
        return Path(path).exists()

    def has_schema(self) -> bool:
        """True when the framework's tables are there (read only: creates nothing, not even an SQLite file)."""
        return self.exists() and bool(schema_state(self.engine).tables)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """An ORM session inside a transaction: committed when the block ends, rolled back if it raises.

        Inside :meth:`unit` it is the unit's session: the unit commits (or rolls back, if anything in it raises).
        """
        unit = self._joined_unit()
        if unit is None:
            with self.new_session() as session, session.begin():
                yield session
            return
        with _conflict_fails_the_unit():
            yield unit.orm_session()

    @contextmanager
    def connection(self) -> Iterator[sa.Connection]:
        """A Core connection inside a transaction, like :meth:`session` but without the ORM's bookkeeping (the
        framework's hot write path uses it). Inside :meth:`unit` it is the unit's connection."""
        unit = self._joined_unit()
        if unit is None:
            with self.engine.begin() as connection:
                yield connection
            return
        try:  # inline rather than _conflict_fails_the_unit(): this is the per-statement path
            yield unit.connection()
        except sa.exc.IntegrityError as exc:
            raise _conflict(exc) from exc

    def new_session(self) -> Session:
        """A new ORM session of this database (no transaction yet; the caller owns it)."""
        _ = self.engine
        assert self._sessions is not None
        return self._sessions()

    def _joined_unit(self) -> _Unit | None:
        unit = _current_unit.get()
        if unit is None or unit.database is not self or unit.thread != threading.get_ident():
            return None
        return unit

    def in_unit(self) -> bool:
        """True inside a :meth:`unit` of this database, in this thread."""
        return self._joined_unit() is not None

    def joined_session(self) -> Session | None:
        """The ORM session of this database's unit of work in force in this thread (made now if need be), or None."""
        unit = self._joined_unit()
        if unit is None:
            return None
        with self.session() as session:
            return session

    @contextmanager
    def unit(self) -> Iterator[None]:
        """Run the block in one transaction: committed at the end, rolled back if it raises (nests: the outer
        unit commits). Sessions and connections opened in the block, in this thread, join it."""
        if self._joined_unit() is not None:
            yield
            return
        unit = _Unit(self, threading.get_ident())
        token = _current_unit.set(unit)
        try:
            try:
                yield
            finally:
                _current_unit.reset(token)
        except BaseException:
            # Rows the unit wrote are gone, tenant rows included: forget the tenants it may have cached as existing.
            self.known_tenants.clear()
            unit.finish(commit=False)
            raise
        try:
            unit.finish(commit=True)
        except BaseException:
            self.known_tenants.clear()
            raise

    def dispose(self) -> None:
        """Close every pooled connection (the engine is re-created if the database is used again)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = None
            self._sessions = None
            self.known_tenants.clear()
