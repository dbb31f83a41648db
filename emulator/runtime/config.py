"""What one host process runs with: :class:`WorkerConfig`, the one typed config of :func:`~emulator.runtime.factory`.

The same value configures a host in a test thread (:mod:`emulator.testing.host`), a standalone worker
(``python -m emulator.dev.worker``) and a supervised one, to which the supervisor sends it in its ``load`` command
(:mod:`emulator.dev.protocol`): hence ``to_dict``/``from_dict``, with paths as strings on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from emulator.journal.store import JOURNAL_KEEP_ENTRIES, default_journal_path
from emulator.runtime.azure import RuntimeName
from emulator.triggers.queue import LEASE_S

#: How long a stopping host waits for in-flight invocations before leaving them to their leases.
DRAIN_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class WorkerConfig:
    """One host: which deployment, against which storage and database, journaled where, run by which engine."""

    #: The folder holding ``function_app.py``, ``host.json`` and ``local.settings.json``.
    deployment_dir: Path
    #: A storage connection string; None: the deployment's ``AzureWebJobsStorage`` (Azurite's default ports for
    #: ``UseDevelopmentStorage=true``).
    storage: str | None = None
    #: The SQLAlchemy URL the functions get as ``DATABASE_URL``; None leaves the deployment's setting.
    database_url: str | None = None
    #: The journal file; None: :func:`default_journal_path`.
    journal_path: Path | None = None
    #: Journal entries kept (the newest); older ones are pruned.
    journal_keep: int = JOURNAL_KEEP_ENTRIES
    #: Queue message lease in seconds: how soon a killed worker's messages reappear.
    lease_s: float = LEASE_S
    #: What runs the functions: the emulator's own path, or azure-functions-runtime (Python 3.13+).
    engine: RuntimeName = "emulator"
    #: Enforce function keys on HTTP (``.exchange/keys.json``).
    enable_auth: bool = False
    #: Bound, in seconds, on finishing in-flight work when the host stops.
    drain_timeout: float = DRAIN_TIMEOUT_S

    @property
    def journal_file(self) -> Path:
        """The journal this host writes."""
        return self.journal_path or default_journal_path(self.deployment_dir)

    def to_dict(self) -> dict[str, Any]:
        """The wire form: JSON types only."""
        return {
            "deployment_dir": str(self.deployment_dir),
            "storage": self.storage,
            "database_url": self.database_url,
            "journal_path": str(self.journal_path) if self.journal_path is not None else None,
            "journal_keep": self.journal_keep,
            "lease_s": self.lease_s,
            "engine": self.engine,
            "enable_auth": self.enable_auth,
            "drain_timeout": self.drain_timeout,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkerConfig:
        """Read :meth:`to_dict`'s form; a missing optional field takes its default, a bad one raises ValueError."""
        engine = data.get("engine", "emulator")
        if engine not in get_args(RuntimeName):
            raise ValueError(f"engine must be one of {', '.join(get_args(RuntimeName))}, not {engine!r}")
        journal_path = data.get("journal_path")
        return cls(
            deployment_dir=Path(data["deployment_dir"]),
            storage=_optional_str(data.get("storage")),
            database_url=_optional_str(data.get("database_url")),
            journal_path=Path(journal_path) if journal_path else None,
            journal_keep=int(data.get("journal_keep", JOURNAL_KEEP_ENTRIES)),
            lease_s=float(data.get("lease_s", LEASE_S)),
            engine=engine,
            enable_auth=bool(data.get("enable_auth", False)),
            drain_timeout=float(data.get("drain_timeout", DRAIN_TIMEOUT_S)),
        )


def _optional_str(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"expected a string or null, not {value!r}")
    return value
