"""Options shared by the commands that talk to a running host or its storage."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


def deployment_option(fn: F) -> F:
    """``--deployment DIR``: which deployment (default: the current folder, or the one host running under it)."""
    return click.option(
        "--deployment",
        "-d",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Deployment folder (default: the current folder, or the one host running under it).",
    )(fn)


#: ``click.Context.meta`` key of the file ``--storage @FILE`` was read from.
STORAGE_FILE = "exchange.storage_file"


def read_storage(_ctx: click.Context | None, _param: click.Parameter | None, value: str | None) -> str | None:
    """``--storage @FILE`` reads the connection string from FILE, so the AccountKey is not on the command line."""
    if value is None or not value.startswith("@"):
        return value
    path = Path(value[1:]).expanduser()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    if not text:
        raise click.BadParameter(f"{path} is empty; it should hold one connection string")
    if _ctx is not None:
        _ctx.meta[STORAGE_FILE] = path.resolve()  # ``exchange dev`` records the file, never the key
    return text


def storage_option(fn: F) -> F:
    """``--storage CONN|@FILE``: a storage connection string instead of the running host's."""
    return click.option(
        "--storage",
        envvar="EXCHANGE_STORAGE",
        default=None,
        callback=read_storage,
        metavar="CONN|@FILE",
        help="Storage connection string, or @FILE holding it (also EXCHANGE_STORAGE; default: the running "
        "host's, else AzureWebJobsStorage).",
    )(fn)


def json_option(fn: F) -> F:
    """``--json``: stable, documented JSON output instead of text."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (stable format, see README).")(fn)
