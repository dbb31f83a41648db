"""``exchange trigger FUNCTION``: run a non-HTTP function by hand on the running host."""

from __future__ import annotations

import json
from pathlib import Path

import click

from exchange_cli.options import deployment_option


@click.command()
@click.argument("function")
@click.option("--input", "input_", default="", help="The input the function receives (a queue message body, ...).")
@deployment_option
def trigger(function: str, input_: str, deployment: Path | None) -> None:
    """Run FUNCTION now, as `POST /admin/functions/FUNCTION` does on the Functions host."""
    from emulator.client.admin import run_function
    from emulator.dev import state as devstate

    host = devstate.find((deployment or Path.cwd()).resolve())
    status, body = run_function(host, function, input_)
    if status != 202:
        detail = body.get("error") if isinstance(body, dict) else body
        raise click.ClickException(f"the host refused to run {function} (HTTP {status}): {detail}")
    click.echo(f"{function} triggered" + (f" ({json.dumps(body)})" if body else ""))
