"""What the TUI watches: a deployment's journal, its entity database, and (when one runs) its host and storage."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from emulator.dev import state as devstate
from framework.errors import ConfigurationError, ExchangeError
from framework.queues import Encoding

JOURNAL_NAME = "journal.db"


class NothingToWatchError(ExchangeError):
    """Neither a running host nor a journal was found."""


@dataclass(frozen=True)
class TuiTarget:
    """The sources the TUI reads and the host it acts on."""

    #: The deployment folder.
    deployment_dir: Path
    #: The journal file (it may not exist yet: the TUI waits for it).
    journal_path: Path
    #: The entity database's SQLAlchemy URL, or None when there is none to show.
    database_url: str | None = None
    #: The running host (None: read-only, post-mortem view of the journal).
    host: devstate.DevState | None = None
    #: The storage connection string, for sending, replaying and poison queues.
    storage: str | None = None
    #: How the host encodes queue messages.
    encoding: Encoding = "base64"


def _local_values(folder: Path) -> dict[str, str]:
    try:
        values = json.loads((folder / "local.settings.json").read_text()).get("Values", {})
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in values.items()}


def app_settings(folder: Path) -> dict[str, str]:
    """The deployment's app settings: the environment, overridden by local.settings.json's ``Values``."""
    return {**os.environ, **_local_values(folder)}


def _database_url(folder: Path, host: devstate.DevState | None) -> str | None:
    """The host's database, resolved as its workers resolve it (relative SQLite paths from the deployment folder).

    An SQLite file that does not exist yet is still the database: the Entities view waits for it to appear.
    """
    from emulator.client.inspect import database_url_of

    return database_url_of(folder, devstate.host_database_url(host) if host is not None else None)


def for_host(host: devstate.DevState, encoding: Encoding = "base64") -> TuiTarget:
    """The target of a running host (what ``exchange dev`` passes when it opens the TUI itself)."""
    folder = Path(host.deployment_dir)
    journal = Path(host.journal_path) if host.journal_path else folder / ".exchange" / JOURNAL_NAME
    try:
        storage: str | None = devstate.host_storage(host)
    except ConfigurationError:  # its key is not on disk: the views still work, sending asks for --storage
        storage = None
    return TuiTarget(folder, journal, _database_url(folder, host), host, storage, encoding)


def resolve(deployment: Path | None) -> TuiTarget:
    """The host running ``deployment`` (or the one under the current folder), else its journal alone."""
    from exchange_cli.target import resolve as resolve_cli

    folder = (deployment or Path.cwd()).resolve()
    cli = resolve_cli(folder, None)
    if cli.host is not None:
        return for_host(cli.host, cli.encoding)
    journal = folder / ".exchange" / JOURNAL_NAME
    if not journal.exists():
        raise NothingToWatchError(
            f"No `exchange dev` is running for {folder}, and it has no journal ({journal}).",
            hint="start `exchange dev` in the deployment folder first, or pass the deployment folder",
        )
    return TuiTarget(folder, journal, _database_url(folder, None), None, None, cli.encoding)
