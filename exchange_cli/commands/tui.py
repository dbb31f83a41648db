"""``exchange tui [DEPLOYMENT_DIR]``: watch a running host live from another terminal."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("deployment_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
def tui(deployment_dir: Path | None) -> None:
    """Open the live view of the host running DEPLOYMENT_DIR (default: the current folder)."""
    from exchange_cli.tui import run_tui
    from exchange_cli.tui.target import resolve

    run_tui(resolve(deployment_dir))
