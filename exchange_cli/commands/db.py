"""``exchange db upgrade|current|history``: the framework's schema migrations on a deployment's database."""

from __future__ import annotations

from pathlib import Path

import click

from exchange_cli.options import deployment_option


def _database_url(database_url: str | None, deployment: Path | None) -> str:
    """``--database-url`` / ``DATABASE_URL``, else the deployment's database, as `exchange entities` finds it."""
    if database_url:
        return database_url
    from emulator.client.inspect import host_files

    return host_files(deployment).database_url


def _url_option(fn: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--database-url",
        envvar="DATABASE_URL",
        default=None,
        help="SQLAlchemy URL (default: DATABASE_URL, else the deployment's local.settings.json, else its "
        ".exchange/exchange.db).",
    )(fn)


@click.group()
def db() -> None:
    """The framework's database schema: migrate it, see its revision, list the migrations."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Upgrade to this revision.")
@_url_option
@deployment_option
def upgrade(revision: str, database_url: str | None, deployment: Path | None) -> None:
    """Migrate the database to the newest schema (a database made by create_all is adopted, not recreated)."""
    from framework.migrate import describe_upgrade

    click.echo(describe_upgrade(_database_url(database_url, deployment), revision))


@db.command()
@_url_option
@deployment_option
def current(database_url: str | None, deployment: Path | None) -> None:
    """The database's schema revision."""
    from framework.migrate import describe_current

    click.echo(describe_current(_database_url(database_url, deployment)))


@db.command()
def history() -> None:
    """The migrations this version of exchange ships, newest first."""
    from framework.migrate import describe_history

    click.echo("\n".join(describe_history()))
