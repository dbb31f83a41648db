"""The ``exchange`` command.

Subcommands live one group per module under :mod:`exchange_cli.commands` and are imported only when they run, so
``exchange --help`` stays as fast as importing click.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import click

from exchange_cli.errors import translate_errors

#: command name -> "module:attribute"; each module is imported only when its command is used.
COMMANDS: dict[str, str] = {
    "azurite": "exchange_cli.commands.azurite:azurite",
    "check": "exchange_cli.commands.deploy:check",
    "db": "exchange_cli.commands.db:db",
    "dead-letters": "exchange_cli.commands.dead_letters:dead_letters",
    "demo": "exchange_cli.commands.demo:demo",
    "dev": "exchange_cli.commands.dev:dev",
    "entities": "exchange_cli.commands.inspect:entities",
    "keys": "exchange_cli.commands.keys:keys",
    "messages": "exchange_cli.commands.inspect:messages",
    "new": "exchange_cli.commands.new:new",
    "package": "exchange_cli.commands.deploy:package",
    "poison": "exchange_cli.commands.queues:poison",
    "send": "exchange_cli.commands.queues:send",
    "test": "exchange_cli.commands.test:test",
    "trigger": "exchange_cli.commands.trigger:trigger",
    "tui": "exchange_cli.commands.tui:tui",
    "update": "exchange_cli.commands.update:update",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module_name, attr = COMMANDS[cmd_name].split(":")
            command: click.Command = getattr(importlib.import_module(module_name), attr)
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        with translate_errors(debug=bool(ctx.params.get("debug"))):
            return super().invoke(ctx)


def _version() -> str:
    try:
        return version("exchange")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "0+unknown"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", "-V", prog_name="exchange")
@click.option("--debug", is_flag=True, envvar="EXCHANGE_DEBUG", help="Show the full traceback of an unexpected error.")
def cli(debug: bool) -> None:
    """Build, run and watch API Exchange processors on a local Azure Functions host."""
