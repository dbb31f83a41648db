"""Find the workspace a command runs in: the folder whose pyproject.toml has a ``[tool.exchange]`` table."""

from __future__ import annotations

import tomllib
from pathlib import Path

from exchange_cli.scaffold.errors import ScaffoldError, WorkspaceNotFoundError

MARKER_TABLE = "exchange"


def is_workspace(folder: Path) -> bool:
    """True when ``folder`` holds a pyproject.toml with a ``[tool.exchange]`` table."""
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ScaffoldError(f"{pyproject} is not valid TOML: {error}", hint="fix the file and run again") from error
    return MARKER_TABLE in data.get("tool", {})


def find_workspace(start: Path) -> Path | None:
    """The workspace containing ``start`` (itself or an ancestor), or None."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if is_workspace(folder):
            return folder
    return None


def require_workspace(start: Path) -> Path:
    """Like :func:`find_workspace`, but a missing workspace is an error that says how to make one."""
    found = find_workspace(start)
    if found is None:
        raise WorkspaceNotFoundError(
            f"No exchange workspace at or above {start.resolve()} (a pyproject.toml with [tool.exchange]).",
            hint="run `exchange new customer NAME` in an empty folder to create one, or cd into your workspace",
        )
    return found


def deployment_dir(workspace: Path, customer: str) -> Path:
    """The Azure Functions app folder of ``customer``."""
    return workspace / "deployments" / customer / "azure"
