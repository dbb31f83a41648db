"""`exchange --help` stays fast: no heavy library is imported to list the commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.subprocess

HEAVY = ("textual", "sqlalchemy", "azure.storage.queue", "azure.functions", "copier", "aiohttp", "watchfiles")


def test_help_imports_no_heavy_library() -> None:
    probe = (
        "import sys, json\n"
        "from click.testing import CliRunner\n"
        "from exchange_cli.main import cli\n"
        "result = CliRunner().invoke(cli, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout

    assert json.loads(out) == []


def test_version_is_printed() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "exchange_cli", "--version"], capture_output=True, text=True, check=True
    ).stdout

    assert out.startswith("exchange, version ")
