""".funcignore: what `func azure functionapp publish` leaves out of the upload (gitignore syntax)."""

from __future__ import annotations

import pathspec

from exchange_cli.deploy.check.subject import Subject
from exchange_cli.deploy.findings import Finding

CHECK = ".funcignore"
#: Local-only things a publish must not upload.
MUST_IGNORE = ("local.settings.json", ".venv/", ".exchange/", "__pycache__/")
#: What the app needs on Azure: ignoring one of them deploys an app that does not start.
MUST_SHIP = ("function_app.py", "host.json", "requirements.txt", "framework/__init__.py", "processors/__init__.py")


def findings(subject: Subject) -> list[Finding]:
    """Problems with the packaged .funcignore."""
    path = subject.folder / ".funcignore"
    name = subject.name_of(path)
    if not path.is_file():
        return [
            Finding(
                CHECK,
                "funcignore-missing",
                "warning",
                "There is no .funcignore: a publish uploads local settings, virtual environments and caches.",
                f"create .funcignore listing {', '.join(MUST_IGNORE)}",
                name,
            )
        ]
    lines = path.read_text(encoding="utf-8").splitlines()
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    result = []
    for shipped in MUST_SHIP:
        if (subject.folder / shipped).exists() and spec.match_file(shipped):
            line = next((n for n, text in enumerate(lines, 1) if text.strip() and spec_matches(text, shipped)), None)
            result.append(
                Finding(
                    CHECK,
                    "funcignore-drops-app",
                    "error",
                    f".funcignore leaves {shipped} out of the upload: the app does not start on Azure.",
                    "remove that pattern from .funcignore",
                    name,
                    line,
                )
            )
    for local in MUST_IGNORE:
        if not spec.match_file(local.rstrip("/") + ("/x" if local.endswith("/") else "")):
            result.append(
                Finding(
                    CHECK,
                    "funcignore-uploads-local",
                    "warning",
                    f".funcignore does not leave out {local}: a publish from this folder uploads it.",
                    f"add the line {local.rstrip('/')} to .funcignore",
                    name,
                )
            )
    return result


def spec_matches(pattern: str, path: str) -> bool:
    """Whether one .funcignore line on its own matches ``path``."""
    return pathspec.GitIgnoreSpec.from_lines([pattern]).match_file(path)
