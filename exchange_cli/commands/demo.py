"""``exchange demo``: generate the coffee-shop workspace and run it with sample orders."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from exchange_cli.options import read_storage


@click.command()
@click.argument("folder", default="exchange-demo", type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(1, 65535), default=7071, show_default=True, help="HTTP port.")
@click.option(
    "--storage",
    envvar="EXCHANGE_STORAGE",
    default=None,
    callback=read_storage,
    metavar="CONN|@FILE",
    help="Storage connection string, or @FILE holding it (also EXCHANGE_STORAGE) [default: Azurite].",
)
@click.option("--no-traffic", is_flag=True, help="Do not send the sample orders.")
@click.option("--no-reload", is_flag=True, help="Do not restart the host when files change.")
@click.option("--no-tui", is_flag=True, help="One line per order instead of the live TUI.")
def demo(folder: Path, port: int, storage: str | None, no_traffic: bool, no_reload: bool, no_tui: bool) -> None:
    """Start here: run a sample coffee pipeline.

    Generates a coffee-shop workspace in FOLDER (default ./exchange-demo) and runs it on the local host, as
    `exchange dev` does, with sample orders: an HTTP order endpoint, two queues, the order and barista processors,
    a timer. Entities and ticket files appear within seconds. FOLDER must be new or empty, or an earlier demo
    (reused as it is, edits kept).
    """
    from exchange_cli.demo import DemoOptions, run_demo
    from exchange_cli.demo.console import ConsoleView

    tui = not no_tui and sys.stdout.isatty()
    options = DemoOptions(
        folder=folder, port=port, storage=storage, traffic=not no_traffic, reload=not no_reload, tui=tui
    )
    run_demo(options, ConsoleView())
