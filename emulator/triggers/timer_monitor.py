"""Schedule status for timers with ``use_monitor``: what lets a missed occurrence fire once after a restart.

The WebJobs SDK keeps, per timer function, the last occurrence, the next expected one and when the record was
updated (in blob storage on Azure). The emulator keeps the same three values in ``.exchange/timers.json`` in the
deployment. On start, a timer whose recorded ``Next`` has already passed is past due: it fires once, at once, with
``past_due=True``; missed occurrences are not replayed one by one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from framework.errors import ConfigurationError

#: What .NET writes for a DateTime that was never set (a timer that has not run yet).
NEVER = "0001-01-01T00:00:00"


@dataclass(frozen=True)
class ScheduleStatus:
    """The schedule history of one timer function, as the host passes it in ``TimerRequest.schedule_status``."""

    #: The last occurrence that ran (None: never ran).
    last: datetime | None
    #: The next expected occurrence.
    next: datetime
    #: When this record was written.
    last_updated: datetime

    def to_dict(self) -> dict[str, str]:
        """The wire form: ``{"Last": ..., "Next": ..., "LastUpdated": ...}`` (ISO 8601, like the host)."""
        return {
            "Last": self.last.isoformat() if self.last else NEVER,
            "Next": self.next.isoformat(),
            "LastUpdated": self.last_updated.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScheduleStatus:
        """Read the wire form back."""
        last = data.get("Last")
        return cls(
            last=None if not last or last == NEVER else datetime.fromisoformat(last),
            next=datetime.fromisoformat(data["Next"]),
            last_updated=datetime.fromisoformat(data["LastUpdated"]),
        )


class ScheduleMonitor:
    """The status records of every monitored timer of one deployment, in one small JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, function: str) -> ScheduleStatus | None:
        """The recorded status of ``function``, or None if it never ran with a monitor."""
        record = self._read().get(function)
        return ScheduleStatus.from_dict(record) if record else None

    def save(self, function: str, status: ScheduleStatus) -> None:
        """Record the status of ``function`` (atomically: a crash leaves the old file or the new one)."""
        records = self._read()
        records[function] = status.to_dict()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(records, indent=2, sort_keys=True), encoding="utf-8")
        temporary.replace(self.path)

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        try:
            records = json.loads(self.path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ConfigurationError(
                f"timer schedule status file {self.path} is not valid JSON ({error})",
                hint="delete it: the timers start afresh (a missed occurrence will not be reported past due)",
            ) from error
        return records if isinstance(records, dict) else {}
