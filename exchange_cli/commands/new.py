"""``exchange new customer|processor``: generate deployments and processors from exchange's templates."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from exchange_cli.scaffold import Generated

_path_option = click.option(
    "--path",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Folder to work in (the workspace or any folder inside it).",
)
_force_option = click.option("--force", is_flag=True, help="Overwrite files that exist already.")
_defaults_option = click.option(
    "--defaults", is_flag=True, help="Never prompt: take every default (implied when stdin is not a terminal)."
)
_data_option = click.option(
    "--data",
    "data",
    multiple=True,
    metavar="KEY=VALUE",
    help="Answer a template question without prompting (repeatable), e.g. --data tenant_id=acme-prod.",
)


def _refuse_short_d(ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> None:
    if value:
        raise click.UsageError(
            "-d means --deployment in exchange's other commands; answer a template question with --data KEY=VALUE.",
            ctx,
        )


# ``-d`` was ``--data`` here once; it now fails with a pointer to ``--data`` instead of "no such option".
_short_d_option = click.option(
    "-d", "short_d", multiple=True, hidden=True, expose_value=False, callback=_refuse_short_d
)


def parse_data(values: tuple[str, ...]) -> dict[str, Any]:
    """``("k=v", ...)`` as a dict; a value without ``=`` is a usage error."""
    data: dict[str, Any] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--data")
        data[key.strip()] = value
    return data


def _no_prompts(defaults: bool) -> bool:
    return defaults or not sys.stdin.isatty()


def _report(result: Generated, what: str) -> None:
    if result.created_workspace:
        click.echo(f"Created workspace {result.workspace}" + (" (git init)." if result.git_initialised else "."))
    click.echo(f"{what}: {len(result.written)} file(s) written")
    for path in result.written:
        click.echo(f"  {path.as_posix()}")
    for note in result.notes:
        click.echo(note)


@click.group()
def new() -> None:
    """Generate a customer deployment or a processor (and the workspace around them)."""


@new.command()
@click.argument("name")
@_path_option
@_data_option
@_short_d_option
@_defaults_option
@_force_option
def customer(name: str, path: Path, data: tuple[str, ...], defaults: bool, force: bool) -> None:
    """Create deployments/NAME/azure/, an Azure Functions app for customer NAME.

    Run in a folder without a workspace, it creates the workspace first (processors/, deployments/, tests/,
    pyproject.toml) and runs git init.
    """
    from exchange_cli.scaffold import new_customer

    result = new_customer(path, name, data=parse_data(data), defaults=_no_prompts(defaults), force=force)
    _report(result, f"Customer {name}")
    click.echo(f"Next: exchange new processor NAME --customer {name} --trigger queue")


@new.command()
@click.argument("name")
@click.option("--customer", "-c", required=True, help="Customer deployment to wire the processor into.")
@click.option("--trigger", type=click.Choice(["queue", "timer", "http"]), help="What starts it [default: queue].")
@click.option("--input-queue", help="Queue it reads (queue trigger) [default: CUSTOMER-NAME-in].")
@click.option("--output-queue", help='Queue it writes its results to; "" for none [default: CUSTOMER-NAME-out].')
@click.option("--schedule", help='NCRONTAB schedule, seconds first (timer trigger) [default: "0 */5 * * * *"].')
@_path_option
@_data_option
@_short_d_option
@_defaults_option
@_force_option
def processor(
    name: str,
    customer: str,
    trigger: str | None,
    input_queue: str | None,
    output_queue: str | None,
    schedule: str | None,
    path: Path,
    data: tuple[str, ...],
    defaults: bool,
    force: bool,
) -> None:
    """Create processors/NAME/ (unless another customer has it already) and wire it into a customer's app.

    Chain processors by giving one's --output-queue as the next one's --input-queue.
    """
    from exchange_cli.scaffold import new_processor

    result = new_processor(
        path,
        name,
        customer=customer,
        trigger=trigger,  # type: ignore[arg-type]  # click.Choice checked it
        input_queue=input_queue,
        output_queue=output_queue,
        schedule=schedule,
        data=parse_data(data),
        defaults=_no_prompts(defaults),
        force=force,
    )
    _report(result, f"Processor {name} in {customer}")
