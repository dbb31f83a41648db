"""Blob trigger paths as the WebJobs SDK reads them: ``container/name-pattern`` with ``{parameters}``.

The container is a literal (the SDK refuses ``{...}`` in it); the rest becomes a regular expression anchored at
both ends where each ``{name}`` captures greedily (``.*``), matched against ``container/blob-name``; ``{{`` and
``}}`` are literal braces. The captured values are binding data for the function's other bindings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.conversion.bindings import BindingError, resolve_app_settings

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class BlobPattern:
    """A blob trigger's ``path``: which blobs it fires for and what each one binds."""

    #: The container name (lower case, as Azure stores it).
    container: str
    #: The blob-name part of the pattern as written (may be empty: every blob of the container).
    name_pattern: str
    regex: re.Pattern[str]

    @property
    def prefix(self) -> str:
        """The literal start of blob names this pattern can match (to list fewer blobs)."""
        literal = _TOKEN.split(self.name_pattern, maxsplit=1)[0]
        return literal.replace("{{", "{").replace("}}", "}")

    def match(self, blob_name: str) -> dict[str, str] | None:
        """The binding data for ``blob_name`` in this container, or None when the blob does not fit the pattern."""
        if not self.name_pattern:
            return {}
        found = self.regex.match(f"{self.container}/{blob_name}")
        return None if found is None else dict(found.groupdict())


def parse(path: str, *, where: str) -> BlobPattern:
    """Parse a blob trigger ``path`` (``%settings%`` resolved first); a path the host refuses raises BindingError."""
    resolved = resolve_app_settings(path, where=where)
    container, slash, name_pattern = resolved.partition("/")
    if not container or (slash and not name_pattern) or "\\" in container:
        raise BindingError(
            f"{where}: invalid blob trigger path {path!r}. Paths must be in the format 'container/blob'.",
            hint='e.g. path="samples-workitems/{name}"',
        )
    if "{" in container:
        raise BindingError(
            f"{where}: invalid blob trigger path {path!r}. Container paths cannot contain {{resolve}} tokens.",
            hint="name the container literally (or through an %AppSetting%)",
        )
    return BlobPattern(
        container.lower(), name_pattern, re.compile(_regex(f"{container.lower()}/{name_pattern}", where))
    )


def _regex(template: str, where: str) -> str:
    parts, last = ["^"], 0
    for token in _TOKEN.finditer(template):
        parts.append(re.escape(template[last : token.start()]))
        text = token.group(0)
        if text in ("{{", "}}"):
            parts.append(re.escape(text[0]))
        else:
            name = token.group(1).strip()
            if not _IDENTIFIER.match(name):
                raise BindingError(f"{where}: {{{name}}} in a blob trigger path must be a plain name.")
            parts.append(f"(?P<{name.replace('-', '_')}>.*)")
        last = token.end()
    parts.append(re.escape(template[last:]) + "$")
    return "".join(parts)
