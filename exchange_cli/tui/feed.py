"""Reading the journal incrementally, read-only, from the TUI's process.

Each poll asks for the entries after the last id seen, so the TUI never reloads what it has; the journal's own
reader opens the file read-only for one short query, so the host's writers are never blocked.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from emulator.journal.store import Journal, JournalEntry

#: The most entries one poll returns; a larger backlog is read over several polls.
POLL_BATCH = 2000


class JournalFeed:
    """The entries of one journal file, in order, a batch at a time."""

    def __init__(self, path: Path, batch: int = POLL_BATCH) -> None:
        self.path = path
        self.batch = batch
        #: The id of the last entry returned.
        self.since_id = 0
        self._journal: Journal | None = None
        self._lock = threading.Lock()  # two polls at once must not both read (and deliver) the same entries

    def _open(self) -> Journal | None:
        if self._journal is None and self.path.exists():
            self._journal = Journal(self.path)  # only reads: its writer thread starts on the first append
        return self._journal

    def poll(self) -> list[JournalEntry]:
        """The next entries (at most ``batch``); empty while the journal does not exist."""
        with self._lock:
            journal = self._open()
            if journal is None:
                return []
            entries = journal.read(self.since_id, limit=self.batch)
            if entries:
                self.since_id = entries[-1].id or self.since_id
            return entries

    def related(
        self, correlation_id: str | None, invocation_ids: Iterable[str], message_id: str | None
    ) -> list[JournalEntry]:
        """Every entry tied to a correlation id, to any of the invocations, or to the message id, oldest first."""
        journal = self._open()
        if journal is None:
            return []
        found: dict[int, JournalEntry] = {}
        batches = [journal.read(0, limit=500, invocation_id=i) for i in invocation_ids]
        if correlation_id:
            batches.append(journal.read(0, limit=500, correlation_id=correlation_id))
        if message_id:
            batches.append(self._by_message_id(message_id))
        for entry in (e for batch in batches for e in batch):
            found[entry.id or 0] = entry
        return [found[k] for k in sorted(found)]

    def _by_message_id(self, message_id: str) -> list[JournalEntry]:
        ids = self._ids("SELECT id FROM entries WHERE message_id = ? ORDER BY id LIMIT 200", (message_id,))
        journal = self._open()
        return [e for i in ids for e in (journal.read(i - 1, limit=1) if journal else [])]

    def latest(self, kind: str) -> JournalEntry | None:
        """The newest entry of ``kind``, if any."""
        journal = self._open()
        ids = self._ids("SELECT MAX(id) FROM entries WHERE kind = ?", (kind,))
        if journal is None or not ids or ids[0] is None:
            return None
        found = journal.read(ids[0] - 1, limit=1)
        return found[0] if found else None

    def _ids(self, sql: str, args: tuple[object, ...]) -> list[int]:
        if not self.path.exists():
            return []
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5.0)
        try:
            return [row[0] for row in conn.execute(sql, args).fetchall()]
        finally:
            conn.close()
