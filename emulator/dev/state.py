"""Where a running ``exchange dev`` says how to reach it: ``<deployment>/.exchange/dev.json``.

Commands in another terminal (``exchange send``, ``trigger``, ``messages``, the TUI) read it to find the storage,
the HTTP URL, the database and the journal of the host that runs the deployment.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from emulator.azurite import process_alive
from emulator.dev.redaction import REDACTED, redact, restore
from framework.errors import ConfigurationError, ExchangeError


class NoRunningHostError(ExchangeError):
    """No ``exchange dev`` runs for the folder."""


@dataclass(frozen=True)
class DevState:
    """A running host, as recorded by its supervisor."""

    #: The supervisor's process id.
    pid: int
    #: The deployment folder it runs.
    deployment_dir: str
    #: The storage connection string its workers use (on disk without its key: see :func:`host_storage`).
    storage: str
    #: Base URL of its HTTP server (``/api/...``, ``/admin/...``).
    http_url: str
    #: The database URL given to the workers (None: the deployment's own setting; on disk without a password).
    database_url: str | None
    #: The journal file (None: the default under the deployment).
    journal_path: str | None
    #: The file the storage connection string was read from (``--storage @FILE``), where readers find its key.
    storage_file: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return asdict(self)


def state_path(deployment_dir: Path) -> Path:
    """The state file of ``deployment_dir``."""
    return deployment_dir / ".exchange" / "dev.json"


def private_dir(folder: Path) -> Path:
    """``folder`` created (if needed) and made 0700: it holds what only this user should read."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def write(deployment_dir: Path, state: DevState) -> None:
    """Record ``state`` without its secrets, 0600 in a 0700 folder (atomically: readers never see half a file)."""
    path = state_path(deployment_dir)
    private_dir(path.parent)
    shown = replace(
        state,
        storage=redact(state.storage),
        database_url=redact(state.database_url) if state.database_url else None,
    )
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(shown.to_dict(), indent=2))
    tmp.replace(path)


def _settings(deployment_dir: Path) -> dict[str, str]:
    try:
        values = json.loads((deployment_dir / "local.settings.json").read_text(encoding="utf-8-sig"))["Values"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}


def host_storage(state: DevState) -> str:
    """The host's real storage connection string: dev.json keeps it redacted, so find where it came from."""
    from framework.storage import DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, resolve_connection_string

    settings = _settings(Path(state.deployment_dir))
    raw = [
        os.environ.get("EXCHANGE_STORAGE"),
        os.environ.get("AzureWebJobsStorage"),
        settings.get("AzureWebJobsStorage"),
    ]
    if state.storage_file:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            raw.append(Path(state.storage_file).read_text(encoding="utf-8").strip())
    candidates = [resolve_connection_string(c) for c in raw if c and c.strip()]
    if f"AccountName={DEV_ACCOUNT_NAME};" in state.storage:  # Azurite's development key is public
        candidates.append(state.storage.replace(f"AccountKey={REDACTED}", f"AccountKey={DEV_ACCOUNT_KEY}"))
    found = restore(state.storage, candidates)
    if found is None:
        raise ConfigurationError(
            f"The storage key of the host running {state.deployment_dir} is not stored on disk.",
            hint="pass the same connection string with --storage CONN|@FILE, or set EXCHANGE_STORAGE",
        )
    return found


def host_database_url(state: DevState) -> str | None:
    """The host's real ``--database-url`` (None: the deployment's own setting); dev.json keeps it redacted."""
    if state.database_url is None:
        return None
    settings = _settings(Path(state.deployment_dir))
    names = ("EXCHANGE_DATABASE_URL", "DATABASE_URL")
    found = restore(state.database_url, [*(os.environ.get(n) for n in names), settings.get("DATABASE_URL")])
    if found is None:
        raise ConfigurationError(
            f"The database password of the host running {state.deployment_dir} is not stored on disk.",
            hint="set EXCHANGE_DATABASE_URL to the URL the host was given with --database-url",
        )
    return found


def clear(deployment_dir: Path) -> None:
    """Remove the state file (the host stopped)."""
    state_path(deployment_dir).unlink(missing_ok=True)


def read(deployment_dir: Path) -> DevState | None:
    """The running host of ``deployment_dir``, or None (a stale file from a killed host is ignored)."""
    path = state_path(deployment_dir)
    try:
        state = DevState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return state if process_alive(state.pid) else None


def find(start: Path) -> DevState:
    """The host running ``start`` or, when ``start`` is a workspace, the one deployment running under it."""
    state = read(start)
    if state is not None:
        return state
    running = [s for p in sorted(start.glob("deployments/*/azure")) if (s := read(p)) is not None]
    if len(running) == 1:
        return running[0]
    if len(running) > 1:
        names = ", ".join(s.deployment_dir for s in running)
        raise NoRunningHostError(
            f"Several hosts run under {start}: {names}.", hint="pass --deployment to say which one"
        )
    raise NoRunningHostError(
        f"No `exchange dev` is running for {start}.",
        hint="start one with `exchange dev` in the deployment folder, or pass --deployment (or --storage)",
    )


def locate(folder: Path) -> DevState | None:
    """The host running the deployment ``folder`` (None when it is not running); when ``folder`` is not itself a
    deployment (a workspace), the one host running under it, raising :class:`NoRunningHostError` otherwise."""
    return read(folder) if (folder / "function_app.py").exists() else find(folder)
