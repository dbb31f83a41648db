"""``exchange keys``: the function keys of a deployment, hidden unless asked for (``--show``)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from exchange_cli.options import deployment_option, json_option


def _mask(key: str, show: bool) -> str:
    return key if show else "(hidden: --show prints it)"


@click.command()
@click.option("--show", is_flag=True, help="Print the keys themselves (they are secrets: mind the terminal).")
@deployment_option
@json_option
def keys(show: bool, deployment: Path | None, as_json: bool) -> None:
    """List the master key, the host key and each function's key that `exchange dev --enable-auth` enforces.

    A request carries a key in `?code=KEY` or the `x-functions-key` header, as on Azure.
    """
    from emulator.dev import state as devstate
    from emulator.triggers.http.keys import deployment_keys

    folder = (deployment or Path.cwd()).resolve()
    if not (folder / "function_app.py").exists():
        folder = Path(devstate.find(folder).deployment_dir)
    found = deployment_keys(folder)
    if as_json:
        data = found.to_dict()
        if not show:
            data = {"masterKey": None, "hostKeys": {"default": None}, "functionKeys": dict.fromkeys(found.functions)}
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"master key (admin endpoints, every function): {_mask(found.master, show)}")
    click.echo(f"host key (every function-level function):     {_mask(found.host, show)}")
    for name, key in sorted(found.functions.items()):
        click.echo(f"function key {name}: {_mask(key, show)}")
