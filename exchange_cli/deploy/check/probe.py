"""Index a packaged app as Azure's Python worker does; run as a script in a venv holding only its requirements.

    python -I -B probe.py < request.json      # {"app_dir": ..., "mode": "sdk" | "runtime", "modules": [...]}

Prints one line ``EXCHANGE-PROBE <json>`` (the app's own prints may come before it). Standard library only, plus
what the app installs: this file must not import exchange, which is not installed where it runs. ``sdk`` mode
mirrors the worker's ``index_function_app`` (import ``function_app``, exactly one top-level ``FunctionRegister``,
``get_functions()``); ``runtime`` mode calls ``azure-functions-runtime``'s own indexer and metadata builder.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

MARKER = "EXCHANGE-PROBE "


class _Message:
    """A stand-in for the FunctionRpc messages the runtime builds: it keeps the fields it is given."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


class _BindingInfo(_Message):
    """``BindingInfo`` with the enum values of the FunctionRpc protocol (direction, data type)."""

    out = 1
    inout = 2
    undefined = 0
    string = 1
    binary = 2
    stream = 3


setattr(_BindingInfo, "in", 0)  # "in" is a keyword: no class attribute syntax for it


class _Protos:
    """The message classes ``process_indexed_function`` asks its caller for."""

    BindingInfo = _BindingInfo
    RpcFunctionMetadata = _Message
    RpcRetryOptions = _Message
    ParameterBinding = _Message


def files_under(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and mtime: compared after the import to see what it wrote."""
    seen: dict[str, tuple[int, int]] = {}
    for path in folder.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            stat = path.stat()
            seen[path.relative_to(folder).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return seen


def missing_modules(names: list[str]) -> list[str]:
    """The top-level modules among ``names`` that nothing on ``sys.path`` provides."""
    missing = []
    for name in names:
        try:
            found = name in sys.builtin_module_names or importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def index_sdk(app_dir: Path) -> list[Any]:
    """The worker's ``index_function_app``: import function_app, take its one top-level FunctionRegister."""
    module = importlib.import_module("function_app")
    from azure.functions import FunctionRegister

    apps = [getattr(module, n) for n in dir(module) if isinstance(getattr(module, n, None), FunctionRegister)]
    if len(apps) > 1:
        raise ValueError(
            f"More than one {type(apps[0]).__name__} or other top level function app instances are defined."
        )
    if not apps:
        raise ValueError("Could not find top level function app instances in function_app.py.")
    return list(apps[0].get_functions())


def index_runtime(app_dir: Path) -> list[Any]:
    """azure-functions-runtime's indexer and metadata builder (what Azure's 3.13+ worker runs)."""
    from azure_functions_runtime.bindings.meta import load_binding_registry
    from azure_functions_runtime.functions import Registry
    from azure_functions_runtime.loader import index_function_app, process_indexed_function

    load_binding_registry()  # the worker's init does this before it indexes
    functions = list(index_function_app(str(app_dir / "function_app.py")))
    process_indexed_function(_Protos, Registry(), functions, str(app_dir))
    return functions


def describe(function: Any) -> dict[str, Any]:
    """A function's name, where it is defined and its bindings as the host reads them (function.json form)."""
    user = function.get_user_function()
    user = inspect.unwrap(user)
    code = getattr(user, "__code__", None)
    return {
        "name": function.get_function_name(),
        "file": code.co_filename if code else None,
        "line": code.co_firstlineno if code else None,
        "bindings": json.loads(function.get_function_json())["bindings"],
    }


def error_of(error: BaseException, app_dir: Path) -> dict[str, Any]:
    """The error and the innermost frame of the app's own code (file and line)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(str(app_dir))]
    if isinstance(error, SyntaxError) and error.filename:
        frames.append(traceback.FrameSummary(error.filename, error.lineno or 0, "<module>"))
    frame = frames[-1] if frames else None
    return {
        "type": type(error).__name__,
        "message": str(error),
        "file": frame.filename if frame else None,
        "line": frame.lineno if frame else None,
        "traceback": "".join(traceback.format_exception(error)),
    }


def run(request: dict[str, Any]) -> dict[str, Any]:
    """Check the modules, index the app, and say what the import wrote."""
    app_dir = Path(request["app_dir"]).resolve()
    os.chdir(app_dir)
    sys.path.insert(0, str(app_dir))
    result: dict[str, Any] = {"missing_modules": missing_modules(request.get("modules", []))}
    before = files_under(app_dir)
    try:
        indexer = index_runtime if request.get("mode") == "runtime" else index_sdk
        result["functions"] = [describe(f) for f in indexer(app_dir)]
    except BaseException as error:  # anything the import raises is the finding, SystemExit included
        result["error"] = error_of(error, app_dir)
    after = files_under(app_dir)
    result["written"] = sorted(p for p, stat in after.items() if before.get(p) != stat)
    return result


if __name__ == "__main__":
    outcome = run(json.load(sys.stdin))
    sys.stdout.flush()
    print(MARKER + json.dumps(outcome, default=str), flush=True)
