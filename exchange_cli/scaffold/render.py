"""Render one of exchange's templates with copier into a scratch folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from exchange_cli.scaffold.errors import ScaffoldError
from exchange_cli.scaffold.source import template_source


def render(template: str, into: Path, data: dict[str, Any], *, defaults: bool) -> None:
    """Render ``template`` into the empty folder ``into``.

    Values in ``data`` are not asked; the other questions are asked on the terminal unless ``defaults``.
    """
    import copier
    from copier.errors import CopierError

    try:
        copier.run_copy(
            template_source(template),
            into,
            data=data,
            defaults=defaults,
            quiet=True,
            overwrite=True,
            unsafe=False,
        )
    except (CopierError, ValueError) as error:  # copier raises ValueError for an answer its validator refuses
        raise ScaffoldError(f"Template {template!r} could not be rendered: {error}", hint=_hint(error)) from error


def _hint(error: Exception) -> str:
    if isinstance(error, ValueError):
        return "fix the value given with --data (or at the prompt) and run again"
    return "run again with --defaults, or report this as a bug of exchange"
