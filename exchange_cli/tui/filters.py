"""The filter line of the stream views: ``queue:orders fn:ingest status:error cid:abc5 free words``."""

from __future__ import annotations

from dataclasses import dataclass

from exchange_cli.tui.rows import LogRow, StreamRow

_KEYS = {"queue": "queue", "q": "queue", "fn": "function", "function": "function", "status": "status",
         "s": "status", "cid": "correlation_id", "correlation": "correlation_id", "kind": "kind"}  # fmt: skip


@dataclass(frozen=True)
class RowFilter:
    """Which rows to show; every field set must match (case-insensitive substring; ids by prefix)."""

    queue: str = ""
    function: str = ""
    status: str = ""
    correlation_id: str = ""
    kind: str = ""
    #: Words that must appear somewhere in the row.
    text: str = ""

    @classmethod
    def parse(cls, line: str) -> RowFilter:
        """Read a filter line; unknown ``key:value`` words count as free text."""
        fields: dict[str, str] = {}
        words: list[str] = []
        for word in line.split():
            key, sep, value = word.partition(":")
            if sep and key.lower() in _KEYS and value:
                fields[_KEYS[key.lower()]] = value.lower()
            else:
                words.append(word.lower())
        return cls(**fields, text=" ".join(words))

    def with_correlation(self, correlation_id: str | None) -> RowFilter:
        """The same filter, following ``correlation_id`` (when given)."""
        if not correlation_id:
            return self
        return RowFilter(self.queue, self.function, self.status, correlation_id.lower(), self.kind, self.text)

    def __bool__(self) -> bool:
        return any((self.queue, self.function, self.status, self.correlation_id, self.kind, self.text))

    def matches(self, row: StreamRow | LogRow) -> bool:
        """Whether ``row`` passes."""
        queue = getattr(row, "queue", "")
        status = getattr(row, "status", "") or ("ok" if getattr(row, "ok", True) else "error")
        kind = getattr(row, "kind", "") or getattr(row, "operation", "")
        checks = (
            (self.queue, queue, False),
            (self.function, row.function, False),
            (self.status, status, False),
            (self.kind, kind, False),
            (self.correlation_id, row.correlation_id, True),
        )
        for wanted, value, prefix in checks:
            value = value.lower()
            if wanted and not (value.startswith(wanted) if prefix else wanted in value):
                return False
        if self.text:
            haystack = " ".join((queue, row.function, status, kind, row.correlation_id)).lower()
            return all(word in haystack for word in self.text.split())
        return True
