"""Where a running ``exchange dev`` says how to reach it: ``<deployment>/.exchange/dev.json``.

Commands in another terminal (``exchange send``, ``trigger``, ``messages``, the TUI) read it to find the storage,
the HTTP URL, the database and the journal of the host that runs the deployment.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from emulator.azurite import process_alive
from framework.errors import ExchangeError


class NoRunningHostError(ExchangeError):
    """No ``exchange dev`` runs for the folder."""


@dataclass(frozen=True)
class DevState:
    """A running host, as recorded by its supervisor."""

    #: The supervisor's process id.
    pid: int
    #: The deployment folder it runs.
    deployment_dir: str
    #: The storage connection string its workers use.
    storage: str
    #: Base URL of its HTTP server (``/api/...``, ``/admin/...``).
    http_url: str
    #: The database URL given to the workers (None: the deployment's own setting).
    database_url: str | None
    #: The journal file (None: the default under the deployment).
    journal_path: str | None

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return asdict(self)


def state_path(deployment_dir: Path) -> Path:
    """The state file of ``deployment_dir``."""
    return deployment_dir / ".exchange" / "dev.json"


def write(deployment_dir: Path, state: DevState) -> None:
    """Record ``state`` (atomically: readers never see half a file)."""
    path = state_path(deployment_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state.to_dict(), indent=2))
    tmp.replace(path)


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
