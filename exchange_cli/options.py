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


def storage_option(fn: F) -> F:
    """``--storage CONN``: a storage connection string instead of the running host's."""
    return click.option(
        "--storage",
        envvar="EXCHANGE_STORAGE",
        default=None,
        help="Storage connection string (default: the running host's, else AzureWebJobsStorage).",
    )(fn)


def json_option(fn: F) -> F:
    """``--json``: stable, documented JSON output instead of text."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (stable format, see README).")(fn)
