"""Reading what a host did and stored: its journal and its entity database (``exchange messages|entities``)."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.app.deployment import load_deployment
from emulator.dev import state as devstate
from emulator.journal.store import Journal, JournalEntry, default_journal_path
from framework.db import resolve_database_url
from framework.errors import ExchangeError

#: Journal kinds that are a message moving: into a function, out of one (an output binding or a framework output
#: handler), to a poison queue, back for a retry, to the dead-letter queue.
MESSAGE_KINDS = (
    "message.in",
    "message.out",
    "output.routed",
    "message.poison",
    "message.retry",
    "processing.retry",
    "message.dead_lettered",
)
#: How far back ``recent`` looks for matching entries.
LOOKBACK = 20_000


@dataclass(frozen=True)
class HostFiles:
    """Where a deployment's journal and database are."""

    deployment_dir: Path
    journal_path: Path
    database_url: str


def host_files(deployment: Path | None) -> HostFiles:
    """The running host's files for ``deployment`` (or the current folder), else the deployment's defaults."""
    folder = (deployment or Path.cwd()).resolve()
    state = devstate.locate(folder)
    if state is not None:
        folder = Path(state.deployment_dir)
    journal = Path(state.journal_path) if state and state.journal_path else default_journal_path(folder)
    return HostFiles(folder, journal, database_url_of(folder, devstate.host_database_url(state) if state else None))


def database_url_of(folder: Path, explicit: str | None = None) -> str:
    """The database a deployment's functions use; a relative SQLite path is relative to the deployment, as there."""
    url = explicit or _settings_database_url(folder)
    if url is None:
        return f"sqlite:///{folder / '.exchange' / 'exchange.db'}"
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((folder / url[len(prefix) :]).resolve())
    return resolve_database_url(url)


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory SQLite)."""
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) and ":memory:" not in url else None


def _settings_database_url(folder: Path) -> str | None:
    """``DATABASE_URL`` from the deployment's local.settings.json (none when the folder is only a journal's)."""
    if not (folder / "function_app.py").exists():
        return None
    return load_deployment(folder).local.values.get("DATABASE_URL")


class JournalUnreadableError(ExchangeError):
    """The journal file exists but cannot be read (full disk, no permission, not a journal)."""


@contextmanager
def _reading(journal: Journal) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as error:
        full = shutil.disk_usage(journal.path.parent).free == 0
        raise JournalUnreadableError(
            f"Cannot read the journal {journal.path}: {error}"
            + (f" (the disk holding {journal.path.parent} is full)." if full else "."),
            hint="free some space on that disk and run again"
            if full
            else "if the file is damaged, stop the host and delete it",
        ) from error


def recent(journal: Journal, limit: int, **filters: Any) -> list[JournalEntry]:
    """The newest ``limit`` entries matching ``filters`` (see :meth:`Journal.read`), oldest first."""
    with _reading(journal):
        since = max(0, journal.last_id() - LOOKBACK)
        return journal.read(since, LOOKBACK, **filters)[-limit:]


def poison_reasons(journal: Journal, queue: str) -> dict[str, str]:
    """Why messages of ``queue`` went to its poison queue, by body (a poison copy gets a new id), newest wins."""
    if not journal.path.exists():
        return {}
    entries = recent(journal, LOOKBACK, kinds=("message.poison",), queue=queue)
    return {str(e.data.get("body", "")): str(e.data.get("reason") or "") for e in entries}


def follow(journal: Journal, since_id: int, *, interval: float = 0.25, **filters: Any) -> Iterator[JournalEntry]:
    """Entries as they are written after ``since_id``, forever (stop by closing the generator)."""
    while True:
        with _reading(journal):
            batch = journal.read(since_id, 500, **filters)
        yield from batch
        if batch:
            since_id = batch[-1].id or since_id
        else:
            time.sleep(interval)
