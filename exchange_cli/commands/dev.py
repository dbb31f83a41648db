"""``exchange dev``: run a deployment on the local host with hot reload."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from exchange_cli.options import STORAGE_FILE, read_storage

if TYPE_CHECKING:
    from emulator.runtime.azure import RuntimeName


def _say(line: str) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    click.echo(f"[{stamp}] [dev] {line}", err=True)


@click.command()
@click.argument("deployment_dir", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--no-tui", is_flag=True, help="Plain log stream instead of the terminal UI.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="HTTP port [default: Host.LocalHttpPort or 7071]."
)
@click.option("--bind", default="127.0.0.1", show_default=True, help="Interface for the HTTP server.")
@click.option(
    "--insecure", is_flag=True, help="Allow --bind to a non-loopback interface without --enable-auth (open to all)."
)
@click.option(
    "--storage",
    envvar="EXCHANGE_STORAGE",
    default=None,
    callback=read_storage,
    metavar="CONN|@FILE",
    help="Storage connection string, or @FILE holding it (also EXCHANGE_STORAGE) [default: Azurite].",
)
@click.option("--database-url", envvar="EXCHANGE_DATABASE_URL", default=None, help="Database for the processors.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--no-reload", is_flag=True, help="Do not restart workers when files change.")
@click.option(
    "--enable-auth", is_flag=True, help="Enforce function keys on HTTP functions (keys in .exchange/keys.json)."
)
@click.option("--drain-timeout", type=float, default=10.0, show_default=True, help="Seconds to finish in-flight work.")
@click.option(
    "--lease",
    type=click.FloatRange(min=1.0),
    default=None,
    help="Seconds a received queue message stays leased; a killed worker's messages reappear after it [default: 30].",
)
@click.option(
    "--journal-keep", type=click.IntRange(min=100), default=None, help="Newest journal entries kept [default: 100000]."
)
@click.option(
    "--runtime",
    type=click.Choice(["azure", "emulator"]),
    default=None,
    help="What runs the functions: azure-functions-runtime (Python 3.13+) or the emulator's own worker path "
    "[default: azure where it can run, else emulator].",
)
def dev(
    deployment_dir: Path,
    no_tui: bool,
    port: int | None,
    bind: str,
    insecure: bool,
    storage: str | None,
    database_url: str | None,
    workers: int,
    no_reload: bool,
    enable_auth: bool,
    drain_timeout: float,
    lease: float | None,
    journal_keep: int | None,
    runtime: RuntimeName | None,  # a click.Choice of the two
) -> None:
    """Run the deployment in DEPLOYMENT_DIR (default: here) against Azurite, reloading on changes.

    On a terminal it opens the live TUI (the workers' output then goes to .exchange/dev.log); --no-tui, or output
    that is not a terminal, gives a plain log stream.
    """
    from emulator.dev.run import check_bind, run_dev
    from emulator.dev.supervisor import DevOptions
    from emulator.runtime.azure import check_available, default_runtime

    warning = check_bind(bind, enable_auth=enable_auth, insecure=insecure)
    if warning:
        _say(warning)
    if runtime == "azure":
        check_available()  # a clear error on 3.11/3.12 (or without the package), before anything starts

    options = DevOptions(
        deployment_dir=deployment_dir,
        bind=bind,
        insecure=insecure,
        port=port,
        storage=storage,
        storage_file=click.get_current_context().meta.get(STORAGE_FILE),
        database_url=database_url,
        workers=workers,
        reload=not no_reload,
        enable_auth=enable_auth,
        drain_timeout=drain_timeout,
        runtime=runtime or default_runtime(),
    )
    if lease is not None:
        options.lease_s = lease
    if journal_keep is not None:
        options.journal_keep = journal_keep
    if no_tui or not sys.stdout.isatty():
        run_dev(options, _say)
        return
    from exchange_cli.tui.hosted import serve_with_tui

    serve_with_tui(options)
