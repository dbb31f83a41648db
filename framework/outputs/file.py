"""Write processed messages to files under one destination folder, as JSON or JSON lines, optionally gzipped.

``file_pattern`` names the file inside the folder, with ``{message_id}``, ``{timestamp}``, ``{date}``,
``{tenant_id}`` and ``{correlation_id}``; it may name sub-folders. The resolved path can never leave the
destination folder: ``..``, absolute patterns, odd characters in substituted values and symlinks pointing out are
refused. JSON files are written atomically (a temporary file renamed into place); JSON-lines files are appended to.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import IO, Any

from framework.errors import OutputConfigError, OutputDeliveryError
from framework.message import Message
from framework.outputs.base import Option, OutputHandler

FIELDS = ("message_id", "timestamp", "date", "tenant_id", "correlation_id")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _valid_pattern(pattern: Any) -> bool:
    try:
        rendered = pattern.format(**{name: "x" for name in FIELDS})
    except (KeyError, IndexError, ValueError):
        return False
    path = PurePath(rendered)
    return bool(rendered) and not path.is_absolute() and ".." not in path.parts


class FileOutputHandler(OutputHandler):
    """Delivers to files in a folder."""

    kind = "file"
    options = {
        "file_pattern": Option(
            str, f"a relative file name using {{{'}, {'.join(FIELDS)}}}, without '..'", _valid_pattern
        ),
        "format": Option(
            str, "'json' (a file per message) or 'jsonl' (lines appended)", lambda v: v in {"json", "jsonl"}
        ),
        "compress": Option(bool, "gzip the file (adds .gz)"),
        "indent": Option(int, "JSON indentation, 0-8", lambda v: 0 <= v <= 8),
    }

    def __init__(self, destination: str, config: dict[str, Any] | None = None) -> None:
        super().__init__(destination, config)
        pattern = self.config.get("file_pattern", "{message_id}.json")
        self.pattern: str = pattern
        self.format: str = self.config.get("format", "jsonl" if pattern.endswith(".jsonl") else "json")
        if not str(destination).strip():
            raise OutputConfigError("FileOutputHandler needs a destination folder.", hint='e.g. "/data/processed"')

    def path_for(self, message: Message, now: datetime | None = None) -> Path:
        """Where ``message`` goes; raises :class:`OutputDeliveryError` if that would leave the destination folder."""
        now = now or datetime.now(UTC)
        values = {
            "message_id": message.message_id,
            "timestamp": now.strftime("%Y%m%dT%H%M%S%fZ"),
            "date": now.strftime("%Y-%m-%d"),
            "tenant_id": message.tenant_id or "none",
            "correlation_id": message.correlation_id,
        }
        name = self.pattern.format(**{key: _UNSAFE.sub("_", str(value)) for key, value in values.items()})
        if self.config.get("compress") and not name.endswith(".gz"):
            name += ".gz"
        root = Path(self.destination).resolve()
        path = (root / name).resolve()
        if not path.is_relative_to(root) or path == root:
            raise OutputDeliveryError(
                f"File output {name!r} resolves to {path}, outside the destination folder {root}.",
                hint="remove '..' or the symlink that points out of the destination folder",
            )
        return path

    def deliver(self, messages: list[Message]) -> list[str]:
        """Write every message; returns the file paths."""
        written: list[str] = []
        paths = [self.path_for(m) for m in messages]
        if self.format == "json" and len(set(paths)) < len(paths):
            raise OutputDeliveryError(
                f"file_pattern {self.pattern!r} gives the same file to several messages.",
                hint="add {message_id} to the file_pattern",
            )
        for path, message in zip(paths, messages, strict=True):
            path.parent.mkdir(parents=True, exist_ok=True)
            if self.format == "json":
                text = json.dumps(message.to_dict(), indent=self.config.get("indent"), default=str)
                self._write_atomically(path, text)
            else:
                with self._open(path, "ab") as out:
                    out.write((message.to_json() + "\n").encode("utf-8"))
            written.append(str(path))
        return written

    def _open(self, path: Path, mode: str) -> IO[bytes]:
        if self.config.get("compress"):
            return gzip.open(path, mode)  # type: ignore[return-value]
        return open(path, mode)

    def _write_atomically(self, path: Path, text: str) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as raw:
                data = text.encode("utf-8")
                raw.write(gzip.compress(data) if self.config.get("compress") else data)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
