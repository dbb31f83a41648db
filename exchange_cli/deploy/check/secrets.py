"""Secrets in committed or shipped files: storage account keys, passwords inside URLs, a tracked local.settings.json.

Looked at: every file git tracks in the workspace (committed means shared with everyone who can read the
repository) and every file of the package (what is uploaded to Azure), the framework exchange copies in aside.
Azurite's well-known development key is public and is not a secret.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from exchange_cli.deploy.check.subject import Subject
from exchange_cli.deploy.findings import Finding, relative

CHECK = "secrets"
#: Azurite's documented development account key (https://learn.microsoft.com/azure/storage/common/storage-use-azurite).
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_KEY = re.compile(r"(AccountKey|SharedAccessKey)=([A-Za-z0-9+/=]{20,})")
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@\"'<>]+:([^@/\s\"'<>]+)@[^\s\"'<>]")
_SIGNATURE = re.compile(r"[?&]sig=[A-Za-z0-9%+/=]{20,}")
#: Placeholders and references are not secrets: ${X}, $(X), %X%, <password>, {password}, ***.
_PLACEHOLDER = re.compile(r"^(\$\{.*\}|\$\(.*\)|%.*%|<.*>|\{.*\}|\*+|x+)$", re.IGNORECASE)
#: Files bigger than this are data, not configuration or code.
MAX_BYTES = 1_000_000


def findings(subject: Subject) -> list[Finding]:
    """Secrets in tracked files and in the package; a tracked local.settings.json."""
    tracked = tracked_files(subject.workspace)
    result = [_tracked_settings(subject, path) for path in tracked if path.name == "local.settings.json"]
    seen: set[str] = set()
    shipped = [p for p in subject.folder.rglob("*") if p.is_file() and _shipped_own(subject, p)]
    for path, name in [(p, relative(p, subject.workspace)) for p in tracked] + [
        (p, subject.name_of(p)) for p in shipped
    ]:
        if name not in seen:
            seen.add(name)
            result += _scan(path, name)
    return result


def tracked_files(workspace: Path) -> list[Path]:
    """The files git tracks in the workspace (none when it is not a git repository or git is missing)."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "-z"], cwd=workspace, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if done.returncode != 0:
        return []
    return [workspace / p for p in done.stdout.split("\0") if p and (workspace / p).is_file()]


def _shipped_own(subject: Subject, path: Path) -> bool:
    parts = path.relative_to(subject.folder).parts
    return parts[0] != "framework" and "__pycache__" not in parts


def _tracked_settings(subject: Subject, path: Path) -> Finding:
    name = relative(path, subject.workspace)
    return Finding(
        CHECK,
        "local-settings-tracked",
        "error",
        f"{name} is committed to git: local settings hold connection strings and keys.",
        f"git rm --cached {name} (keep the file), make sure .gitignore lists local.settings.json, "
        "and rotate any key it held",
        name,
    )


def _scan(path: Path, name: str) -> list[Finding]:
    try:
        if path.stat().st_size > MAX_BYTES:
            return []
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # binary files are not configuration
    result = []
    for number, line in enumerate(text.splitlines(), 1):
        result += [_finding(name, number, what) for what in _secrets_in(line)]
    return result


def _secrets_in(line: str) -> list[str]:
    found = [f"a storage {m.group(1)}" for m in _KEY.finditer(line) if m.group(2) != AZURITE_KEY]
    found += ["a password inside a URL" for m in _URL_PASSWORD.finditer(line) if not _PLACEHOLDER.match(m.group(1))]
    found += ["a shared access signature (sig=)" for _ in _SIGNATURE.finditer(line)]
    return found


def _finding(name: str, line: int, what: str) -> Finding:
    return Finding(
        CHECK,
        "secret",
        "error",
        f"{name} line {line} holds {what}.",
        "move it to an app setting (or Key Vault reference) read at run time, and rotate it: it is in the git history",
        name,
        line,
    )
