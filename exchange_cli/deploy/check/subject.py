"""What every check looks at: the packaged folder, where its files came from, and the deployment's settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exchange_cli.deploy.findings import relative
from exchange_cli.deploy.package import Packaged


@dataclass(frozen=True)
class IndexedFunction:
    """A function as the worker indexed it."""

    #: Its name.
    name: str
    #: Where it is defined, as a workspace-relative path (None when unknown).
    file: str | None
    #: The line of its ``def``.
    line: int | None
    #: Its bindings in function.json form (``type``, ``direction``, ``queueName``, ``connection``, ...).
    bindings: list[dict[str, Any]]


@dataclass
class Subject:
    """One packaged deployment under check."""

    #: The workspace it was packaged from.
    workspace: Path
    #: The package and the sources of its parts.
    packaged: Packaged
    #: The deployment's local.settings.json ``Values`` (None when there is no such file, e.g. in CI).
    settings: dict[str, str] | None
    #: Where those settings were read from.
    settings_file: Path
    #: The functions the worker indexed (filled in by the indexing check).
    functions: list[IndexedFunction] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        """The packaged folder."""
        return self.packaged.folder

    def name_of(self, packaged_path: Path) -> str:
        """A packaged file named by its source, relative to the workspace (what the user edits)."""
        if not packaged_path.is_relative_to(self.folder):
            return relative(packaged_path, self.workspace)
        return relative(self.packaged.source_of(packaged_path), self.workspace)

    def user_files(self) -> list[Path]:
        """The packaged Python files that are the user's own: everything but the framework exchange copied in."""
        return sorted(p for p in self.folder.rglob("*.py") if p.relative_to(self.folder).parts[0] != "framework")


def read_settings(app_dir: Path) -> dict[str, str] | None:
    """``Values`` of ``app_dir/local.settings.json``; None when the file is missing or not the expected JSON."""
    path = app_dir / "local.settings.json"
    try:
        values = json.loads(path.read_text(encoding="utf-8")).get("Values")
    except (OSError, ValueError, AttributeError):
        return None
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else None
