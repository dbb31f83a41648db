"""The journal: an append-only SQLite file (WAL) of everything the host does, read live by the CLI and the TUI.

Writers stay off the hot path: :meth:`Journal.record` appends to an in-memory buffer, and a writer thread flushes
the buffer in batches, one ``BEGIN IMMEDIATE`` transaction each (several worker processes may share one journal).
The writer also prunes: the journal keeps the newest ``keep_entries`` entries and nothing older than ``keep_days``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from framework.errors import ExchangeError
from framework.events import Event

_log = logging.getLogger("emulator.journal.store")

#: Message bodies longer than this are cut in journal entries.
BODY_LIMIT = 4096
FLUSH_INTERVAL_S = 0.1
FLUSH_BATCH = 500
#: How many of the newest entries a journal keeps by default.
JOURNAL_KEEP_ENTRIES = 100_000
#: Entries kept in memory while the journal file cannot be written.
MAX_BUFFERED = 100_000
_COLUMNS = ("at", "kind", "function", "queue", "status", "correlation_id", "invocation_id", "message_id", "pid", "data")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL, kind TEXT NOT NULL, function TEXT, queue TEXT, status TEXT,
    correlation_id TEXT, invocation_id TEXT, message_id TEXT, pid INTEGER, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_kind ON entries (kind);
CREATE INDEX IF NOT EXISTS entries_correlation ON entries (correlation_id);
CREATE INDEX IF NOT EXISTS entries_invocation ON entries (invocation_id);
CREATE INDEX IF NOT EXISTS entries_function ON entries (function);
CREATE INDEX IF NOT EXISTS entries_queue ON entries (queue);
"""


def default_journal_path(deployment_dir: Path) -> Path:
    """Where a deployment's journal lives unless told otherwise: ``<deployment>/.exchange/journal.db``."""
    return Path(deployment_dir).resolve() / ".exchange" / "journal.db"


@dataclass(frozen=True)
class InvocationScope:
    """The invocation the current code runs in (set by the invoker, read by the event sink)."""

    invocation_id: str
    function: str
    #: The correlation id the invoker put in force around the call (for code that runs where it does not reach).
    correlation_id: str | None = None
    #: How the framework failed the message inside it (dead-lettered, retry scheduled), filled by the invoker's
    #: event sink: a function that returned normally after that is journaled as failed.
    failures: list[str] = field(default_factory=list)


#: The invocation in force; framework events emitted inside a function are tied to it.
current_invocation: ContextVar[InvocationScope | None] = ContextVar("exchange_current_invocation", default=None)


@dataclass(frozen=True)
class JournalEntry:
    """One journal line: the stable JSON that ``exchange ... --json`` prints."""

    #: What happened: ``invocation.start``, ``invocation.end``, ``message.in``, ``message.out``, ``message.poison``,
    #: ``message.retry``, ``host.start``, ``host.stop``, ``host.error``, or a framework event kind.
    kind: str
    #: The function involved, if any.
    function: str | None = None
    #: The queue (or ``container/blob`` for blob outputs) involved, if any.
    queue: str | None = None
    #: ``ok``, ``error``, ``timeout``, ``poison``, ... when the entry ends something.
    status: str | None = None
    correlation_id: str | None = None
    invocation_id: str | None = None
    message_id: str | None = None
    #: Everything else (JSON values).
    data: dict[str, Any] = field(default_factory=dict)
    #: When it happened (UTC).
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: The writing process.
    pid: int = field(default_factory=os.getpid)
    #: The row id, set once stored; readers page with ``since_id``.
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "function": self.function,
            "queue": self.queue,
            "status": self.status,
            "correlation_id": self.correlation_id,
            "invocation_id": self.invocation_id,
            "message_id": self.message_id,
            "pid": self.pid,
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JournalEntry:
        """The inverse of :meth:`to_dict`."""
        values = dict(data)
        values["at"] = datetime.fromisoformat(values["at"])
        return cls(**values)

    def _row(self) -> tuple[Any, ...]:
        return (
            self.at.isoformat(),
            self.kind,
            self.function,
            self.queue,
            self.status,
            self.correlation_id,
            self.invocation_id,
            self.message_id,
            self.pid,
            json.dumps(self.data, default=str),
        )


_INSERT = f"INSERT INTO entries ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


def truncate(text: str, limit: int = BODY_LIMIT) -> str:
    """``text`` cut at ``limit`` characters, saying how much was left out."""
    return text if len(text) <= limit else f"{text[:limit]}... [{len(text) - limit} more characters]"


class JournalError(ExchangeError):
    """The journal file cannot be created or opened (a folder in the way, no space, another process's lock that
    outlasted the busy timeout, a file that is not a journal): said as such, not as a failure of the user's code."""

    def __init__(self, path: Path, error: BaseException) -> None:
        super().__init__(
            f"cannot open the journal {path}: {error}",
            hint="the journal records what the host did (exchange messages, the TUI); check that the folder is "
            "writable and the disk has room, stop any other exchange dev using it, or delete the file if it is "
            "damaged (only that history is lost)",
        )
        self.path = path


def _create(path: Path, busy_timeout: float) -> None:
    """Create the file in WAL mode with its schema, waiting up to ``busy_timeout`` for other processes doing the same.

    Switching a new file to WAL takes its exclusive lock without SQLite's busy handler: while another process holds
    a lock on it (two workers of ``exchange dev`` create the journal of a fresh deployment at once), the switch
    fails at once with "database is locked", whatever the timeout. Try again until the timeout, as any write would.
    """
    deadline = time.monotonic() + busy_timeout
    pause = 0.005
    while True:
        try:
            conn = _connect(path, busy_timeout)
            try:
                conn.executescript(_SCHEMA)
            finally:
                conn.close()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))  # the other holds it for milliseconds
        pause = min(pause * 2, 0.1)


def _connect(path: Path, busy_timeout: float = 5.0) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class Journal:
    """The journal file at ``path``: record from any thread, read from any process."""

    def __init__(
        self,
        path: Path,
        *,
        keep_entries: int = JOURNAL_KEEP_ENTRIES,
        keep_days: float = 7.0,
        busy_timeout: float = 5.0,
        create: bool = True,
    ) -> None:
        self.path = Path(path)
        #: Seconds a write waits for another writer's lock.
        self.busy_timeout = busy_timeout
        self.keep_entries = keep_entries
        self.keep_days = keep_days
        self._buffer: list[JournalEntry] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._writer: threading.Thread | None = None
        self._failing = False
        self._write_lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        if not create:  # a reader in another process: never creates or writes the file (works on a full disk)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create(self.path, self.busy_timeout)
        except (OSError, sqlite3.Error) as error:
            raise JournalError(self.path, error) from error

    # -- writing ---------------------------------------------------------------------------------------------

    def record(self, kind: str, **fields: Any) -> None:
        """Append an entry (buffered; written within ~100 ms). Unknown keywords go to ``data``."""
        known = {k: fields.pop(k) for k in list(fields) if k in JournalEntry.__dataclass_fields__}
        data = {**known.pop("data", {}), **fields}
        self.append(JournalEntry(kind, data=data, **known))

    def append(self, entry: JournalEntry) -> None:
        """Append a ready entry (buffered)."""
        with self._lock:
            self._buffer.append(entry)
            full = len(self._buffer) >= FLUSH_BATCH
        if full:
            self._wake.set()
        if self._writer is None:
            self._start_writer()

    def append_event(self, event: Event, scope: InvocationScope | None) -> None:
        """Append a framework event as an entry tied to the invocation ``scope`` (None: to no invocation)."""
        data = dict(event.data)
        if event.tenant_id:
            data.setdefault("tenant_id", event.tenant_id)
        self.append(
            JournalEntry(
                event.kind,
                function=scope.function if scope else None,
                invocation_id=scope.invocation_id if scope else None,
                correlation_id=event.correlation_id or (scope.correlation_id if scope else None),
                status=data.get("status") if isinstance(data.get("status"), str) else None,
                data=data,
                at=event.at,
            )
        )

    def flush(self) -> None:
        """Write whatever is buffered now; on a database error the entries stay buffered (up to a bound)."""
        with self._lock:
            batch, self._buffer = self._buffer, []
        if not batch:
            return
        try:
            self._write(batch)
        except sqlite3.Error:
            with self._lock:
                self._buffer[:0] = batch
                del self._buffer[: max(0, len(self._buffer) - MAX_BUFFERED)]  # drop the oldest past the bound
            raise

    def _failed(self, exc: sqlite3.Error) -> None:
        if not self._failing:
            _log.warning("journal %s: cannot write (%s); keeping entries in memory and retrying", self.path, exc)
        self._failing = True

    def close(self) -> None:
        """Stop the writer thread after a last flush."""
        self._stopping = True
        self._wake.set()
        if self._writer is not None:
            self._writer.join(timeout=10)
            self._writer = None
        try:
            self.flush()
        except sqlite3.Error as exc:  # stopping must not fail because the journal cannot be written
            _log.warning("journal %s: %d entries not written: %s", self.path, len(self._buffer), exc)
        with self._write_lock:
            self._disconnect()

    def _start_writer(self) -> None:
        with self._lock:
            if self._writer is not None or self._stopping:
                return
            self._writer = threading.Thread(target=self._run_writer, name="exchange-journal", daemon=True)
            self._writer.start()

    def _run_writer(self) -> None:
        flushes = 0
        while not self._stopping:
            self._wake.wait(FLUSH_INTERVAL_S)
            self._wake.clear()
            try:
                self.flush()
                if flushes % 600 == 0:  # about once a minute
                    self.prune()
                self._failing = False
            except sqlite3.Error as exc:  # locked past the timeout, disk full: keep the host running, retry
                self._failed(exc)
            flushes += 1

    def _write(self, batch: list[JournalEntry]) -> None:
        """Insert ``batch`` in one transaction, on a connection kept between flushes (opening one, with its
        pragmas, cost more than the inserts at ten flushes a second); after an error the next flush reconnects."""
        rows = [entry._row() for entry in batch]
        with self._write_lock:
            if self._conn is None:
                self._conn = _connect(self.path, self.busy_timeout)
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany(_INSERT, rows)
                self._conn.execute("COMMIT")
            except sqlite3.Error:
                self._disconnect()
                raise

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def prune(self) -> None:
        """Drop entries beyond the retention bounds."""
        cutoff = (datetime.now(UTC) - timedelta(days=self.keep_days)).isoformat()
        conn = _connect(self.path, self.busy_timeout)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM entries WHERE at < ?", (cutoff,))
            conn.execute(
                "DELETE FROM entries WHERE id <= (SELECT MAX(id) FROM entries) - ?",
                (self.keep_entries,),
            )
            conn.execute("COMMIT")
        finally:
            conn.close()

    # -- reading ---------------------------------------------------------------------------------------------

    def read(
        self,
        since_id: int = 0,
        limit: int = 1000,
        *,
        kinds: Iterable[str] | None = None,
        correlation_id: str | None = None,
        invocation_id: str | None = None,
        function: str | None = None,
        queue: str | None = None,
        status: str | None = None,
    ) -> list[JournalEntry]:
        """Entries after ``since_id``, oldest first, filtered; only what has been flushed."""
        where: list[str] = ["id > ?"]
        args: list[Any] = [since_id]
        kinds = list(kinds) if kinds is not None else None
        if kinds is not None:
            where.append(f"kind IN ({', '.join('?' * len(kinds))})")
            args += kinds
        for column, value in (
            ("correlation_id", correlation_id),
            ("invocation_id", invocation_id),
            ("function", function),
            ("queue", queue),
            ("status", status),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if not self.path.exists():
            return []
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5.0)
        try:
            rows = conn.execute(
                f"SELECT id, {', '.join(_COLUMNS)} FROM entries WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
                [*args, limit],
            ).fetchall()
        finally:
            conn.close()
        return [_entry(row) for row in rows]

    def last_id(self) -> int:
        """The id of the newest stored entry (0 when empty): a reader tails from here."""
        if not self.path.exists():
            return 0
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5.0)
        try:
            return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0])
        finally:
            conn.close()


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    row_id, at, kind, function, queue, status, correlation_id, invocation_id, message_id, pid, data = row
    return JournalEntry(
        kind,
        function=function,
        queue=queue,
        status=status,
        correlation_id=correlation_id,
        invocation_id=invocation_id,
        message_id=message_id,
        data=json.loads(data),
        at=datetime.fromisoformat(at),
        pid=pid,
        id=row_id,
    )
