"""Render one of exchange's templates with copier into a scratch folder.

copier renders from the installed template folder (a plain folder: ~20 ms, where a git source costs a clone and
some twenty git calls per render) and the answers file is then stamped with the cache repository and the tag that
holds exactly these files (:func:`~exchange_cli.scaffold.source.template_source` checks that by digest). The result
is byte for byte what copier would write from the git source, so ``copier update`` works on it the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from exchange_cli.scaffold.answers import KINDS, check_answers
from exchange_cli.scaffold.errors import ScaffoldError
from exchange_cli.scaffold.source import current_version, installed_templates, template_source

ANSWERS_HEADER = "# Changes here will be overwritten by `exchange update`; do not edit by hand.\n"


def render(template: str, into: Path, data: dict[str, Any], *, defaults: bool) -> None:
    """Render ``template`` into the empty folder ``into``.

    Values in ``data`` are not asked; the other questions are asked on the terminal unless ``defaults``.
    """
    import copier
    from copier.errors import CopierError

    check_answers({key: value for key, value in data.items() if key in KINDS[template]}, template)
    source = template_source(template)  # mirrors the installed files into the cache repository if they changed
    try:
        copier.run_copy(
            str(installed_templates() / template),
            into,
            data=data,
            defaults=defaults,
            quiet=True,
            overwrite=True,
            unsafe=False,
        )
    except (CopierError, ValueError) as error:  # copier raises ValueError for an answer its validator refuses
        raise ScaffoldError(f"Template {template!r} could not be rendered: {error}", hint=_hint(error)) from error
    _stamp(into, source, current_version(template))


def _stamp(rendered: Path, source: str, tag: str) -> None:
    """Record the git source and tag in the rendered answers file, as a render from that source would."""
    import yaml

    for answers_file in rendered.rglob(".copier-answers*.yml"):
        answers = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
        answers.update({"_commit": tag, "_src_path": source})
        text = yaml.safe_dump(answers, sort_keys=True, default_flow_style=False, allow_unicode=True)
        answers_file.write_text(ANSWERS_HEADER + text, encoding="utf-8")


def _hint(error: Exception) -> str:
    if isinstance(error, ValueError):
        return "fix the value given with --data (or at the prompt) and run again"
    return "run again with --defaults, or report this as a bug of exchange"
