"""``exchange azurite start|stop|status``: the managed storage emulator."""

from __future__ import annotations

from pathlib import Path

import click

from emulator import azurite as az


@click.group()
def azurite() -> None:
    """Start, stop or inspect the managed Azurite for this project."""


@azurite.command()
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Folder whose .exchange/ keeps Azurite's data.",
)
def start(project: Path) -> None:
    """Start Azurite on the default ports (blob 10000, queue 10001, table 10002), in the background."""
    endpoints = az.AzuriteEndpoints()
    if az.answers(endpoints):
        click.echo(f"Azurite already answers on {endpoints.host}:{endpoints.queue_port}.")
        return
    az.install(say=click.echo)  # the first time: npm's progress, or that another exchange is installing it
    proc = az.start_detached(project.resolve(), endpoints)
    click.echo(f"Azurite {az.AZURITE_VERSION} started (pid {proc.pid}), data in {proc.location}.")


@azurite.command()
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
def stop(project: Path) -> None:
    """Stop the Azurite that `exchange azurite start` started here."""
    if az.stop_detached(project.resolve()):
        click.echo("Azurite stopped.")
    else:
        click.echo("No Azurite started by exchange is running for this folder.")


@azurite.command()
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
def status(project: Path) -> None:
    """Say whether an Azurite answers on the default ports, and whether exchange started it."""
    endpoints = az.AzuriteEndpoints()
    up = az.answers(endpoints)
    proc = az.recorded(project.resolve())
    owner = f" (started by exchange, pid {proc.pid})" if proc else ""
    click.echo(f"Azurite {'answers' if up else 'is not running'} on {endpoints.host}:{endpoints.queue_port}{owner}.")
