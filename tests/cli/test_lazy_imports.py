"""`exchange --help` lists the scaffolding commands without importing copier (FIELD-NOTES: ~234 ms)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.subprocess

PROBE = """
import sys
from click.testing import CliRunner
from exchange_cli.main import cli
result = CliRunner().invoke(cli, ["--help"])
assert result.exit_code == 0, result.output
assert all(name in result.output for name in ("new", "test", "update")), result.output
heavy = sorted(m for m in ("copier", "jinja2", "yaml", "sqlalchemy", "azure.functions") if m in sys.modules)
print(heavy)
"""


def test_help_lists_new_test_and_update_without_importing_copier() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=False)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
