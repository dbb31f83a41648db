"""Storage faults: what a database or storage error means, read from its errno, SQLite code or SQLSTATE.

A fault is never caused by the message: the disk is full, the database is read-only or locked, the server refuses
connections or does not answer in time, the account may not write. The handler keeps such a message on its queue
(it is retried by the queue, then by the host) instead of dead-lettering it. Errors are recognised without importing
SQLAlchemy, psycopg or the Azure SDK: their classes are read by attribute along the exception's cause chain.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from enum import StrEnum


class Fault(StrEnum):
    """What a storage error means."""

    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"
    LOCKED = "locked"
    CONNECTION_REFUSED = "connection_refused"
    TIMEOUT = "timeout"
    PERMISSION = "permission"
    IO_ERROR = "io_error"

    @property
    def passes_soon(self) -> bool:
        """True for faults that usually clear within seconds (a lock, a restart, a slow answer): worth a quick
        retry through the queue; the others (a full disk, a read-only database, a missing grant) need an operator,
        so the message goes back to the host's queue at once."""
        return self in (Fault.LOCKED, Fault.CONNECTION_REFUSED, Fault.TIMEOUT)

    @property
    def reads(self) -> str:
        """A phrase for messages."""
        return _PHRASES[self]


_PHRASES = {
    Fault.DISK_FULL: "the disk (or database) is full",
    Fault.READ_ONLY: "the database is read-only",
    Fault.LOCKED: "the database is locked by another writer",
    Fault.CONNECTION_REFUSED: "the service refused the connection or is unreachable",
    Fault.TIMEOUT: "the service did not answer in time",
    Fault.PERMISSION: "permission denied",
    Fault.IO_ERROR: "a disk I/O error",
}
_ERRNO = {
    errno.ENOSPC: Fault.DISK_FULL,
    errno.EDQUOT: Fault.DISK_FULL,
    errno.EROFS: Fault.READ_ONLY,
    errno.EACCES: Fault.PERMISSION,
    errno.EPERM: Fault.PERMISSION,
    errno.ECONNREFUSED: Fault.CONNECTION_REFUSED,
    errno.ECONNRESET: Fault.CONNECTION_REFUSED,
    errno.EHOSTUNREACH: Fault.CONNECTION_REFUSED,
    errno.ENETUNREACH: Fault.CONNECTION_REFUSED,
    errno.ETIMEDOUT: Fault.TIMEOUT,
    errno.EIO: Fault.IO_ERROR,
}
#: SQLite result codes (``sqlite3.Error.sqlite_errorname``), extended codes by their prefix.
_SQLITE = {
    "SQLITE_FULL": Fault.DISK_FULL,
    "SQLITE_READONLY": Fault.READ_ONLY,
    "SQLITE_BUSY": Fault.LOCKED,
    "SQLITE_LOCKED": Fault.LOCKED,
    "SQLITE_PERM": Fault.PERMISSION,
    "SQLITE_AUTH": Fault.PERMISSION,
    "SQLITE_CANTOPEN": Fault.PERMISSION,
    "SQLITE_IOERR": Fault.IO_ERROR,
}
#: SQLite messages, for drivers that do not set the code.
_SQLITE_TEXT = {
    "database or disk is full": Fault.DISK_FULL,
    "readonly database": Fault.READ_ONLY,
    "database is locked": Fault.LOCKED,
    "unable to open database file": Fault.PERMISSION,
    "disk i/o error": Fault.IO_ERROR,
}
#: PostgreSQL SQLSTATEs (psycopg's ``sqlstate``); two-character keys match a whole class.
_SQLSTATE = {
    "53100": Fault.DISK_FULL,
    "25006": Fault.READ_ONLY,
    "55P03": Fault.LOCKED,
    "40P01": Fault.LOCKED,
    "40001": Fault.LOCKED,
    "57014": Fault.TIMEOUT,
    "42501": Fault.PERMISSION,
    "28": Fault.PERMISSION,
    "08": Fault.CONNECTION_REFUSED,
    "57P01": Fault.CONNECTION_REFUSED,
    "57P02": Fault.CONNECTION_REFUSED,
    "57P03": Fault.CONNECTION_REFUSED,
    "58": Fault.IO_ERROR,
}
#: Azure Storage answers (HTTP status of ``HttpResponseError``).
_HTTP = {403: Fault.PERMISSION, 408: Fault.TIMEOUT, 500: Fault.TIMEOUT, 503: Fault.TIMEOUT, 504: Fault.TIMEOUT}


def fault_of(error: BaseException) -> Fault | None:
    """The storage fault behind ``error`` (or any error it was raised from), or None."""
    for exc in _chain(error):
        found = _one(exc)
        if found is not None:
            return found
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error``, the DBAPI error SQLAlchemy wraps (``orig``), then causes and contexts; each once."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        exc = todo.pop(0)
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        yield exc
        orig = getattr(exc, "orig", None)
        todo += [orig if isinstance(orig, BaseException) else None, exc.__cause__, exc.__context__]


def _one(exc: BaseException) -> Fault | None:
    name = getattr(exc, "sqlite_errorname", None)
    if isinstance(name, str):
        return next((fault for code, fault in _SQLITE.items() if name.startswith(code)), None)
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str) and state:
        return _SQLSTATE.get(state) or _SQLSTATE.get(state[:2])
    if type(exc).__module__.startswith("sqlite3"):
        text = str(exc).lower()
        return next((fault for phrase, fault in _SQLITE_TEXT.items() if phrase in text), None)
    if isinstance(exc, OSError) and exc.errno in _ERRNO:
        return _ERRNO[exc.errno]
    if isinstance(exc, TimeoutError):
        return Fault.TIMEOUT
    if isinstance(exc, ConnectionError):
        return Fault.CONNECTION_REFUSED
    return _azure(exc)


def _azure(exc: BaseException) -> Fault | None:
    kind = type(exc).__name__
    if kind in ("ServiceRequestError", "ServiceRequestTimeoutError"):
        return Fault.CONNECTION_REFUSED if kind == "ServiceRequestError" else Fault.TIMEOUT
    if kind in ("ServiceResponseError", "ServiceResponseTimeoutError"):
        return Fault.TIMEOUT
    status = getattr(exc, "status_code", None)
    if type(exc).__module__.startswith("azure.") and isinstance(status, int):
        return _HTTP.get(status)
    return None
