"""`exchange --help` and `exchange --version` stay as fast as importing click.

The guard is the set of modules they import: beyond what a plain click group's ``--help`` pulls in, only the CLI's own
entry module may load. A new top-level import in ``exchange_cli.main`` (importlib.metadata
alone cost ~67 ms) fails here, whatever the machine's speed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.subprocess

#: what `exchange --help` may import on top of a plain click group's --help
ALLOWED = {"exchange_cli", "exchange_cli.main"}

PROBE = """
import json, sys
import click

@click.group()
@click.version_option("1", "--version")
def plain() -> None:
    pass

@plain.command()
def sub() -> None:
    "A subcommand."

for plain_args in (["--help"], ["--version"]):
    try:
        plain(plain_args)
    except SystemExit:
        pass
baseline = set(sys.modules)
from exchange_cli.main import cli
try:
    cli([{args}], prog_name="exchange")
except SystemExit as stop:
    code = stop.code
print(json.dumps({{"code": code, "extra": sorted(set(sys.modules) - baseline)}}))
"""


def imported_beyond_click(*args: str) -> tuple[object, list[str]]:
    probe = PROBE.format(args=", ".join(repr(a) for a in args))
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    result = json.loads(out.splitlines()[-1])
    return result["code"], result["extra"]


@pytest.mark.parametrize("args", [("--help",), ("--version",), ()])
def test_bare_help_and_version_import_only_the_cli_entry_and_the_error_family(args: tuple[str, ...]) -> None:
    code, extra = imported_beyond_click(*args)

    assert code in (0, 2, None)  # bare `exchange` shows the help with exit code 2 (click 8.2+)
    assert set(extra) <= ALLOWED, sorted(set(extra) - ALLOWED)


def test_version_is_printed_and_matches_the_installed_metadata() -> None:
    from importlib.metadata import version

    out = subprocess.run(
        [sys.executable, "-m", "exchange_cli", "--version"], capture_output=True, text=True, check=True
    ).stdout

    assert out == f"exchange, version {version('exchange')}\n"


def test_the_listed_short_help_is_each_commands_own() -> None:
    import click

    from exchange_cli.main import COMMANDS, SHORT_HELP, cli

    ctx = click.Context(cli)
    own = {name: cli.get_command(ctx, name).get_short_help_str(limit=1000) for name in COMMANDS}  # type: ignore[union-attr]

    assert own == SHORT_HELP
