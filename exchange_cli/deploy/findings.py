"""What a check found: one :class:`Finding` per problem, each naming the file (and line) and what to do."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem in a deployment."""

    #: The family of checks that found it (``indexing``, ``requirements``, ``host.json``, ...).
    check: str
    #: A stable code for CI filters, e.g. ``secret-account-key``.
    code: str
    #: ``error`` fails the check (exit code 1); ``warning`` does not.
    severity: Severity
    #: What is wrong, in one sentence.
    message: str
    #: What to do about it.
    hint: str
    #: The file involved, relative to the workspace when it is inside it.
    file: str | None = None
    #: 1-based line in ``file``, when known.
    line: int | None = None

    def location(self) -> str:
        """``file:line``, ``file`` or ``""``."""
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (``exchange check --json``)."""
        return asdict(self)


@dataclass
class Report:
    """The findings of every check on one customer's deployment."""

    #: The customer checked.
    customer: str
    #: The packaged folder that was checked.
    folder: Path
    #: Families of checks that ran, in order (each is a JUnit test case even when it found nothing).
    checks: list[str] = field(default_factory=list)
    #: What they found.
    findings: list[Finding] = field(default_factory=list)
    #: Functions the indexing found, by name (empty when indexing failed).
    functions: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings that fail the check."""
        return [f for f in self.findings if f.severity == "error"]

    def add(self, check: str, findings: list[Finding]) -> None:
        """Record that ``check`` ran and what it found."""
        self.checks.append(check)
        self.findings.extend(findings)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (``exchange check --json``)."""
        return {
            "customer": self.customer,
            "folder": str(self.folder),
            "ok": not self.errors,
            "functions": self.functions,
            "checks": self.checks,
            "findings": [f.to_dict() for f in self.findings],
        }


def relative(path: Path, workspace: Path) -> str:
    """``path`` relative to the workspace when it is inside it, else as it is (POSIX form)."""
    try:
        return path.resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
