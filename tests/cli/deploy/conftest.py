"""A generated, committed workspace (customer acme, a queue processor) that each test copies and changes."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.cli.conftest import copy_workspace


@pytest.fixture
def workspace(acme_orders_base: Path, tmp_path: Path) -> Path:
    """A private copy of the committed workspace (git history included)."""
    return copy_workspace(acme_orders_base, tmp_path / "ws")


@functools.cache
def import_writes_files() -> bool:
    """Whether importing the framework's models today writes a database file into the working folder.

    Issue 11.2 (engineer `db`) removes that work at import; until it is merged, a generated deployment imports
    with a write, which `exchange check` rightly reports.
    """
    with tempfile.TemporaryDirectory() as scratch:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        code = "from framework import import_all_models; import_all_models()"
        subprocess.run([sys.executable, "-c", code], cwd=scratch, env=env, capture_output=True, check=False)
        return any(Path(scratch).iterdir())
