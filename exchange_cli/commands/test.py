"""``exchange test [PYTEST_ARGS]...``: run the workspace's tests with pytest."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def test(ctx: click.Context, pytest_args: tuple[str, ...]) -> None:
    """Run the workspace's tests with pytest; every argument goes to pytest and its exit code is kept.

    The exchange pytest plugin starts Azurite for the session and gives each test a temporary database.
    Example: exchange test -x -k orders
    """
    from exchange_cli.scaffold.testing import run_pytest

    ctx.exit(run_pytest(Path.cwd(), list(pytest_args)))
