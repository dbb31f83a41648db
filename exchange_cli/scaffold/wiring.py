"""Register a processor's Blueprint in a deployment's ``function_app.py``.

Design: each processor's trigger functions live in their own Blueprint module (``functions/<processor>.py``), and
``function_app.py`` imports and registers them between two marker lines. exchange rewrites only the lines between
the markers (sorted, so the result is ruff-clean and stable), so hand edits elsewhere in the file survive, and
``exchange update`` of the customer template merges around them like any other local edit. The result is
ordinary Azure Functions Python v2 code that the real worker indexes: no discovery runs at import time.
"""

from __future__ import annotations

import re
from pathlib import Path

from exchange_cli.scaffold.errors import ScaffoldError

BEGIN = "# exchange:functions begin"
END = "# exchange:functions end"
_IMPORT = re.compile(r"^import functions\.([a-z][a-z0-9_]*)\b")
_REGISTER = re.compile(r"^app\.register_functions\(functions\.([a-z][a-z0-9_]*)\.bp\)")


def _block(lines: list[str], path: Path) -> tuple[int, int]:
    starts = [i for i, line in enumerate(lines) if line.strip().startswith(BEGIN)]
    ends = [i for i, line in enumerate(lines) if line.strip().startswith(END)]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ScaffoldError(
            f"{path} must contain exactly one '{BEGIN}' line followed by one '{END}' line.",
            hint="put the two marker lines back (after `app = func.FunctionApp()`) and run the command again",
        )
    return starts[0], ends[0]


def registered(text: str, path: Path) -> list[str]:
    """The processors registered in the marked block of a ``function_app.py``, sorted."""
    lines = text.splitlines()
    begin, end = _block(lines, path)
    found = {m.group(1) for line in lines[begin + 1 : end] if (m := _REGISTER.match(line.strip()))}
    return sorted(found)


def render_block(processors: list[str]) -> list[str]:
    """The lines between the markers that import and register ``processors``."""
    if not processors:
        return []
    # The imports follow `app = func.FunctionApp()` (E402): the path set-up above must run before them.
    imports = [f"import functions.{name}  # noqa: E402" for name in sorted(processors)]
    return [*imports, "", *(f"app.register_functions(functions.{name}.bp)" for name in sorted(processors))]


def with_registration(text: str, processor: str, path: Path) -> str | None:
    """``text`` with ``processor`` registered in the marked block, or None when it is registered already."""
    lines = text.splitlines()
    begin, end = _block(lines, path)
    current = registered(text, path)
    if processor in current:
        return None
    # Lines the user put inside the block that are not exchange's stay, after exchange's own.
    own = [line for line in lines[begin + 1 : end] if line.strip() and not _IMPORT.match(line.strip())]
    own = [line for line in own if not _REGISTER.match(line.strip())]
    block = render_block([*current, processor]) + own
    return "\n".join([*lines[: begin + 1], *block, *lines[end:]]) + "\n"
