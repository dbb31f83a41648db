"""Index the packaged app as Azure will: a clean subprocess with only the packaged requirements installed.

The app is imported with the environment the worker gives it: the deployment's declared settings, minus
``DATABASE_URL`` (indexing must not need the database; Azure's may be unreachable while an instance starts), in
the packaged folder, which Azure runs read-only. On Python 3.13+ it is indexed a second time through
``azure-functions-runtime``, the engine of Azure's 3.13+ worker.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from exchange_cli.deploy.check import probe
from exchange_cli.deploy.check.environment import RUNTIME_REQUIREMENT, clean_python, find_python313
from exchange_cli.deploy.check.subject import IndexedFunction, Subject
from exchange_cli.deploy.findings import Finding, relative

CHECK = "indexing"
#: Seconds an import may take before the check gives up on it (the host's own start-up limit is similar).
TIMEOUT = 120.0
#: Settings left out of the import's environment, and why (said in the finding when the import needs them).
WITHHELD = ("DATABASE_URL",)


def index(subject: Subject, modules: list[str], *, runtime: bool = True) -> tuple[list[Finding], list[str]]:
    """Index the app in a clean venv (and through azure-functions-runtime); findings and the missing modules."""
    requirements = subject.folder / "requirements.txt"
    env = clean_python(requirements)
    if env.python is None:
        return [_pip_failed(subject, requirements, env.pip_error)], []
    result = _run(env.python, subject, "sdk", modules)
    findings = _findings(subject, result, "the Python worker")
    if "error" not in result:
        subject.functions = [_function(subject, f) for f in result.get("functions", [])]
    python313 = find_python313() if runtime else None
    if python313 is not None and "error" not in result:
        runtime_env = clean_python(requirements, base=python313, extra=(RUNTIME_REQUIREMENT,))
        if runtime_env.python is None:
            findings.append(_pip_failed(subject, requirements, runtime_env.pip_error, "Python 3.13"))
        else:
            runtime_result = _run(runtime_env.python, subject, "runtime", [])
            findings += _findings(subject, runtime_result, "azure-functions-runtime")
    unique = {(f.code, f.file, f.line, f.message): f for f in findings}  # both indexers see the same writes
    return list(unique.values()), list(result.get("missing_modules", []))


def _run(python: Path, subject: Subject, mode: str, modules: list[str]) -> dict[str, Any]:
    """Run the probe on a copy of the package (what one import writes must not be seen by the next)."""
    with tempfile.TemporaryDirectory(prefix="exchange-index-") as scratch:
        app = Path(scratch) / subject.folder.name
        shutil.copytree(subject.folder, app)
        result = _probe(python, app, mode, modules, subject.settings or {})
    for item in [result.get("error") or {}, *result.get("functions", [])]:
        if item.get("file") and Path(item["file"]).is_relative_to(app):
            item["file"] = str(subject.folder / Path(item["file"]).relative_to(app))
    return result


def _probe(python: Path, app: Path, mode: str, modules: list[str], settings: dict[str, str]) -> dict[str, Any]:
    request = {"app_dir": str(app), "mode": mode, "modules": modules}
    try:
        done = subprocess.run(
            [str(python), "-I", "-B", probe.__file__],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=_environment(app, settings),
            cwd=app,
            check=False,
        )
    except subprocess.TimeoutExpired:
        message = f"Importing function_app.py took more than {TIMEOUT:.0f} s."
        return {"error": {"type": "Timeout", "message": message, "file": None, "line": None}}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(probe.MARKER):
            loaded: dict[str, Any] = json.loads(line[len(probe.MARKER) :])
            return loaded
    tail = (done.stderr or done.stdout).strip()[-2000:]
    return {"error": {"type": "Crash", "message": f"the import ended the process: {tail}", "file": None, "line": None}}


def _environment(app: Path, settings: dict[str, str]) -> dict[str, str]:
    """What the worker's environment holds at indexing: the app settings, the platform's own variables."""
    return {
        **{k: v for k, v in settings.items() if k not in WITHHELD},
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(app.parent),
        "FUNCTIONS_WORKER_RUNTIME": "python",
        "AzureWebJobsScriptRoot": str(app),
        "LANG": "C.UTF-8",
    }


def _findings(subject: Subject, result: dict[str, Any], who: str) -> list[Finding]:
    findings = []
    if "error" in result:
        findings.append(_import_failed(subject, result["error"], who))
    elif not result.get("functions"):
        findings.append(
            Finding(
                CHECK,
                "no-functions",
                "error",
                f"{who} finds no functions in function_app.py.",
                "register functions on the FunctionApp (or its Blueprints) at import time",
                subject.name_of(subject.folder / "function_app.py"),
            )
        )
    return findings + _writes(subject, result.get("written", []))


def _writes(subject: Subject, paths: list[str]) -> list[Finding]:
    """One finding per top-level file or folder the import wrote into the app folder."""
    by_top: dict[str, list[str]] = {}
    for path in paths:
        by_top.setdefault(path.split("/")[0], []).append(path)
    findings = []
    for top, written in by_top.items():
        more = f" (and {len(written) - 1} more file(s) there)" if len(written) > 1 else ""
        findings.append(
            Finding(
                CHECK,
                "import-writes",
                "error",
                f"Importing function_app.py wrote {written[0]}{more} into the app folder; on Azure the app runs "
                "from a read-only package, so that import fails there.",
                "write nothing at import time: open databases and files on first use, under a writable "
                "path from a setting",
                relative(subject.packaged.sources.get(".", subject.folder) / top, subject.workspace),  # where it lands
            )
        )
    return findings


def _import_failed(subject: Subject, error: dict[str, Any], who: str) -> Finding:
    name, line = _place(subject, error)
    message = f"{who} cannot index the app: {error['type']}: {error['message']}"
    hint = "fix that error; `exchange dev` shows it with the whole traceback"
    if error["type"] in ("ModuleNotFoundError", "ImportError"):
        hint = "add the missing distribution to requirements.txt"
    elif any(k in error["message"] for k in WITHHELD):
        hint = "indexing must not need DATABASE_URL: connect on first use, not at import"
    return Finding(CHECK, "import-failed", "error", message, hint, name, line)


def _place(subject: Subject, error: dict[str, Any]) -> tuple[str, int | None]:
    """Where the error is: the app's innermost frame, else the function it names, else function_app.py."""
    if error.get("file"):
        where = Path(error["file"])
        return (subject.name_of(where) if where.is_relative_to(subject.folder) else where.as_posix()), error["line"]
    named = [f for f in subject.functions if f"the {f.name} function" in error["message"] and f.file]
    if named:  # the runtime refuses a function at load time, from its own code: point at the function
        return str(named[0].file), named[0].line
    return subject.name_of(subject.folder / "function_app.py"), None


def _pip_failed(subject: Subject, requirements: Path, error: str, python: str = "") -> Finding:
    on = f" on {python}" if python else ""
    return Finding(
        CHECK,
        "requirements-install",
        "error",
        f"requirements.txt does not install{on}: {error}",
        "fix requirements.txt: the remote build on Azure runs `pip install -r requirements.txt`",
        subject.name_of(requirements),
    )


def _function(subject: Subject, data: dict[str, Any]) -> IndexedFunction:
    file = Path(data["file"]) if data.get("file") else None
    if file is not None and file.is_relative_to(subject.folder):
        name: str | None = subject.name_of(file)
    else:
        name = relative(file, subject.workspace) if file else None
    return IndexedFunction(data["name"], name, data.get("line"), list(data.get("bindings", [])))
