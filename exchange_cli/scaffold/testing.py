"""Run a workspace's tests: pytest in a child process, at the workspace root, with the same interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from exchange_cli.scaffold.workspace import require_workspace


def run_pytest(start: Path, args: list[str]) -> int:
    """Run pytest with ``args`` in the workspace at or above ``start``; returns pytest's exit code.

    A child process, so the user's code and the plugin's Azurite never live in the CLI's own process; the same
    interpreter, so it sees the exchange (and its pytest plugin) that is running this command.
    """
    workspace = require_workspace(start)
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=workspace, check=False).returncode
