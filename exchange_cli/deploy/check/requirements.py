"""Every module the packaged code imports is installed by its requirements.txt (or ships in the package).

The imports are read from the source (``ast``), the answer comes from the clean venv of the indexing check: a
module is missing when nothing on that venv's path, the package folder first, provides it. An import at module
level that is missing fails on Azure at once (error); one inside a function or guarded by ``except ImportError``
fails only when that code runs (warning).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

from exchange_cli.deploy.check.subject import Subject
from exchange_cli.deploy.findings import Finding, Severity

CHECK = "requirements"


@dataclass(frozen=True)
class Import:
    """One import statement's top-level module."""

    #: The top-level module name (``azure`` for ``import azure.storage.queue``).
    module: str
    #: Its full dotted name as written.
    full: str
    #: The packaged file and line it is in.
    file: Path
    line: int
    #: True inside a function or a ``try`` that catches ImportError: it fails only when that code runs.
    lazy: bool


def scan(subject: Subject) -> list[Import]:
    """The absolute imports of every packaged Python file; the standard library and the package's own left out."""
    found = []
    for path in sorted(subject.folder.rglob("*.py")):
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError):
            continue  # the indexing check reports a file that does not parse, with its line
        found += _imports(tree, path)
    local = {p.stem if p.suffix == ".py" else p.name for p in subject.folder.iterdir()}
    return [i for i in found if i.module not in sys.stdlib_module_names and i.module not in local | {"__future__"}]


def modules(imports: list[Import]) -> list[str]:
    """The dotted names to look up in the clean venv (whole names: ``azure`` alone is a shared namespace)."""
    return sorted({i.full for i in imports})


def _imports(tree: ast.AST, path: Path) -> list[Import]:
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) or _guards_import(child)
            if isinstance(child, ast.Import):
                found.extend(Import(a.name.split(".")[0], a.name, path, child.lineno, lazy) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append(Import(child.module.split(".")[0], child.module, path, child.lineno, lazy))
            visit(child, inner)

    visit(tree, False)
    return found


def _guards_import(node: ast.AST) -> bool:
    """A ``try`` whose handlers catch ImportError (or ModuleNotFoundError): its body is an optional import."""
    if not isinstance(node, ast.Try):
        return False
    names = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
    return any("ImportError" in n or "ModuleNotFoundError" in n for n in names)


def findings(subject: Subject, imports: list[Import], missing: list[str]) -> list[Finding]:
    """A finding for each import of a module the clean venv does not have (one per module and file)."""
    gone = set(missing)
    seen: set[tuple[str, Path]] = set()
    result = []
    for item in sorted(imports, key=lambda i: (i.lazy, str(i.file), i.line)):
        if item.full not in gone or (item.module, item.file) in seen or _framework_optional(subject, item):
            continue
        seen.add((item.module, item.file))
        severity: Severity = "warning" if item.lazy else "error"
        when = "when this code runs" if item.lazy else "at import, so the app does not start"
        result.append(
            Finding(
                CHECK,
                "missing-requirement",
                severity,
                f"`{item.full}` is imported but requirements.txt does not install it: it fails on Azure {when}.",
                f"add {_distribution(item)} to requirements.txt",
                subject.name_of(item.file),
                item.line,
            )
        )
    return result


def _framework_optional(subject: Subject, item: Import) -> bool:
    """The framework's lazy imports are its optional extras (Service Bus, PostgreSQL): not a finding of the app."""
    return item.lazy and item.file.relative_to(subject.folder).parts[0] == "framework"


def _distribution(item: Import) -> str:
    """The distribution that provides the module here (``azure-storage-queue`` ...), else a description."""
    providers = sorted(set(packages_distributions().get(item.module, [])))
    dashed = [p for p in providers if p.lower().replace("_", "-") in item.full.lower().replace(".", "-")]
    chosen = dashed[-1:] or providers[:1] if len(providers) > 1 else providers
    return f"`{chosen[0]}`" if chosen else f"the distribution that provides `{item.full}`"


def declares_azure_functions(requirements: Path) -> bool:
    """requirements.txt names azure-functions (Azure's docs ask for it; the worker's own copy is not for the app)."""
    if not requirements.is_file():
        return False
    lines = (line.split("#")[0].strip().lower() for line in requirements.read_text(encoding="utf-8").splitlines())
    return any(line.replace("_", "-").startswith("azure-functions") for line in lines if line)
