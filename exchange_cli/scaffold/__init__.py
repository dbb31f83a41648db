"""Generate and update the files of an exchange workspace from exchange's copier templates.

The library behind ``exchange new`` and ``exchange update``; the command modules only parse and print. The
framework and the emulator never import it.
"""

from __future__ import annotations

from exchange_cli.scaffold.errors import (
    InvalidNameError,
    ScaffoldError,
    TargetExistsError,
    UpdateError,
    WorkspaceNotFoundError,
)
from exchange_cli.scaffold.generate import Generated, new_customer, new_processor
from exchange_cli.scaffold.workspace import find_workspace, require_workspace

__all__ = [
    "Generated",
    "InvalidNameError",
    "ScaffoldError",
    "TargetExistsError",
    "UpdateError",
    "WorkspaceNotFoundError",
    "find_workspace",
    "new_customer",
    "new_processor",
    "require_workspace",
]
