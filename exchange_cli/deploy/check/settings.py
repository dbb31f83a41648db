"""App settings: every ``%NAME%`` in a binding, every connection and every ``os.environ``/``os.getenv`` read in the
app's code must be a setting the deployment declares (its local.settings.json ``Values``, which
``func azure functionapp publish --publish-local-settings`` uploads and which Azure needs set the same way).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from exchange_cli.deploy.check.subject import IndexedFunction, Subject
from exchange_cli.deploy.findings import Finding

CHECK = "app settings"
#: Set by the platform on every function app, never by the user.
PLATFORM = re.compile(
    r"^(WEBSITE_|FUNCTIONS_|AZURE_FUNCTIONS_|APPSETTING_|APPLICATIONINSIGHTS_|APPINSIGHTS_)|"
    r"^(AzureWebJobsScriptRoot|HOME|PATH|PYTHONPATH|TMPDIR|TEMP|TZ)$"
)
#: Binding types whose ``connection`` is a storage account (empty means AzureWebJobsStorage).
STORAGE_BINDINGS = {"queueTrigger", "queue", "blobTrigger", "blob", "table"}
_PERCENT = re.compile(r"%([A-Za-z_][A-Za-z0-9_:.-]*)%")


@dataclass(frozen=True)
class Read:
    """One place that needs a setting."""

    #: The setting's name.
    name: str
    #: Workspace-relative file and line.
    file: str | None
    line: int | None
    #: How it is read, for the message: ``os.environ["X"]``, ``%X% in queue_name``, ...
    how: str
    #: True when the code has a fallback (``os.getenv("X", "default")``).
    has_default: bool = False


def findings(subject: Subject) -> list[Finding]:
    """A finding for each setting the app needs and the deployment does not declare."""
    reads = binding_reads(subject.functions) + code_reads(subject)
    settings_file = subject.name_of(subject.settings_file)
    if subject.settings is None:
        names = sorted({r.name for r in reads if not PLATFORM.match(r.name)})
        return [
            Finding(
                CHECK,
                "settings-unknown",
                "warning",
                f"No local.settings.json here, so the app settings were not compared; the app reads "
                f"{', '.join(names) or 'none'}.",
                "make sure the function app on Azure has each of them set",
                settings_file,
            )
        ]
    declared = set(subject.settings)
    result = []
    for read in reads:
        if PLATFORM.match(read.name) or _declared(read, declared):
            continue
        result.append(
            Finding(
                CHECK,
                "setting-missing",
                "warning" if read.has_default else "error",
                f"{read.how} needs the app setting {read.name}, which the deployment does not declare"
                + (" (the code falls back to a default)." if read.has_default else "."),
                f"add {read.name} to Values in {settings_file} and set it in the function app's settings on Azure",
                read.file,
                read.line,
            )
        )
    return result


def _declared(read: Read, declared: set[str]) -> bool:
    if read.name in declared:
        return True
    if read.how.startswith("connection"):  # the host also takes AzureWebJobs<NAME> and identity-based NAME__*
        return f"AzureWebJobs{read.name}" in declared or any(d.startswith(f"{read.name}__") for d in declared)
    return False


def binding_reads(functions: list[IndexedFunction]) -> list[Read]:
    """``%NAME%`` in any binding property, and the connection setting of every storage binding."""
    reads = []
    for function in functions:
        for binding in function.bindings:
            for key, value in binding.items():
                for name in _PERCENT.findall(value) if isinstance(value, str) else []:
                    reads.append(Read(name, function.file, function.line, f"%{name}% in {function.name}'s {key}"))
            if binding.get("type") in STORAGE_BINDINGS:
                name = binding.get("connection") or "AzureWebJobsStorage"
                how = f"connection of {function.name}'s {binding.get('type')} binding"
                reads.append(Read(str(name), function.file, function.line, how))
    return reads


def code_reads(subject: Subject) -> list[Read]:
    """``os.environ[...]``, ``os.environ.get(...)`` and ``os.getenv(...)`` with a literal name, in the app's code."""
    reads = []
    for path in subject.user_files():
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError):
            continue
        reads += [Read(n, subject.name_of(path), line, how, d) for n, line, how, d in _env_reads(tree)]
    return reads


def _env_reads(tree: ast.AST) -> list[tuple[str, int, str, bool]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            name = _literal(node.slice)
            if name:
                found.append((name, node.lineno, f'os.environ["{name}"]', False))
        elif isinstance(node, ast.Call) and node.args and _is_getter(node.func):
            name = _literal(node.args[0])
            if name:
                default = len(node.args) > 1 or any(k.arg == "default" for k in node.keywords)
                found.append((name, node.lineno, f"{ast.unparse(node.func)}({name!r})", default))
    return found


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def _is_getter(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "get":
        return _is_environ(node.value)
    return (isinstance(node, ast.Attribute) and node.attr == "getenv") or (
        isinstance(node, ast.Name) and node.id == "getenv"
    )


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
