"""The ``exchange`` command.

Subcommands live one group per module under :mod:`exchange_cli.commands` and are imported only when they run, so
``exchange --help`` stays as fast as importing click.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from exchange_cli import __version__

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

#: command name -> its one-line help, so that ``exchange --help`` lists the commands without importing them
#: (each would pull in its library: emulator, azure, copier...). A test keeps these equal to the commands' own
#: help; a command missing here is still listed, only imported to read its help.
SHORT_HELP: dict[str, str] = {
    "azurite": "Start, stop or inspect the managed Azurite for this project.",
    "check": "Check that each CUSTOMER's deployment (default: every one) would index and run on Azure.",
    "db": "The framework's database schema: migrate it, see its revision, list the migrations.",
    "dead-letters": "Messages given up on: the framework's dead letters and the host's poison queues.",
    "demo": "Start here: run a sample coffee pipeline.",
    "dev": "Run the deployment in DEPLOYMENT_DIR (default: here) against Azurite, reloading on changes.",
    "entities": "Entities the deployment's processors stored, with their current version.",
    "keys": "List the master key, the host key and each function's key that `exchange dev --enable-auth` enforces.",
    "messages": "Messages in and out of the host's functions, newest last (from its journal).",
    "new": "Generate a customer deployment or a processor (and the workspace around them).",
    "package": (
        "Assemble dist/CUSTOMER/: the deployment with processors/ and the framework inside, as Azure deploys it."
    ),
    "poison": "Inspect, replay or delete messages in a queue's poison queue.",
    "send": "Put a message on QUEUE, encoded as the deployment's host.json says.",
    "test": "Run the workspace's tests with pytest; every argument goes to pytest and its exit code is kept.",
    "trigger": "Run FUNCTION now, as `POST /admin/functions/FUNCTION` does on the Functions host.",
    "tui": "Open the live view of the host running DEPLOYMENT_DIR (default: the current folder).",
    "update": "Update every generated part at or below PATH (default: here) to this exchange's templates.",
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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, help_text) for name in names if (help_text := self._short_help(ctx, name, limit)) is not None]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _short_help(self, ctx: click.Context, name: str, limit: int) -> str | None:
        if name in SHORT_HELP:
            return click.Command(name, help=SHORT_HELP[name]).get_short_help_str(limit)
        command = self.get_command(ctx, name)
        return None if command is None or command.hidden else command.get_short_help_str(limit)

    def invoke(self, ctx: click.Context) -> Any:
        from exchange_cli.errors import translate_errors  # here: `exchange --help` never needs the error family

        with translate_errors(debug=bool(ctx.params.get("debug"))):
            return super().invoke(ctx)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="exchange")
@click.option("--debug", is_flag=True, envvar="EXCHANGE_DEBUG", help="Show the full traceback of an unexpected error.")
def cli(debug: bool) -> None:
    """Build, run and watch API Exchange processors on a local Azure Functions host."""
