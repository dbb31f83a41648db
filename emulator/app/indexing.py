"""Indexing a deployment as the Python worker does: import function_app.py, ask the FunctionApp for its functions.

Every failure is an :class:`IndexingError` naming the file and line and saying what to do; the traceback text is
kept on the error (``details``) for a verbose mode. An app with no functions is an error, never "0 functions".
"""

from __future__ import annotations

import contextlib
import enum
import importlib.util
import inspect
import logging
import os
import sys
import traceback
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import azure.functions as func

from emulator.app.deployment import Deployment
from emulator.app.functions import BindingInfo, Direction, FunctionInfo
from emulator.app.not_run import not_run_reason
from emulator.conversion.checks import FunctionLoadError, Signature, check_function
from framework.errors import ExchangeError

_DIRECTIONS: dict[int, Direction] = {0: "in", 1: "out", 2: "inout"}


class IndexingError(ExchangeError):
    """function_app.py cannot be imported or indexed."""

    def __init__(self, message: str, *, hint: str | None = None, details: str = "") -> None:
        super().__init__(message, hint=hint)
        #: The full traceback text, for a verbose mode.
        self.details = details


def index_functions(deployment: Deployment, *, env: Mapping[str, str] | None = None) -> list[FunctionInfo]:
    """Import the deployment's function_app.py and list its functions.

    The deployment's ``Values`` go into the environment first, then ``env`` (the host's own overrides, such as the
    storage it really uses), so module-level code sees what the functions will see.
    """
    os.environ.update(deployment.local.values)
    os.environ.update(env or {})
    folder = str(deployment.path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module = _import(deployment.function_app)
    app = _find_app(module, deployment.function_app)
    functions = _get_functions(app, deployment.function_app)
    infos = [_function_info(fn, deployment) for fn in functions]
    if not infos:
        raise IndexingError(
            f"No functions registered in function_app.py: {deployment.function_app} defines a FunctionApp but no "
            "function is decorated on it.",
            hint="decorate a function with @app.queue_trigger, @app.timer_trigger or @app.route; check that the "
            "decorators use this same app object and that blueprints are registered (app.register_functions)",
        )
    return infos


def _import(file: Path) -> Any:
    name = f"function_app_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None  # a .py path always gives a spec
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        where = f"{exc.filename}:{exc.lineno}" + (f":{exc.offset}" if exc.offset else "")
        line = (exc.text or "").rstrip()
        raise IndexingError(
            f"{where}: SyntaxError: {exc.msg}" + (f"\n    {line}" if line else ""),
            hint="fix the syntax error; the functions are indexed again when the file is saved",
            details=traceback.format_exc(),
        ) from exc
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise IndexingError(
            f"{_user_frame(exc, file)}: importing function_app.py failed: {type(exc).__name__}: {exc}",
            hint="fix the error at that line (a missing package goes into requirements.txt and the virtualenv)",
            details=traceback.format_exc(),
        ) from exc
    return module


def _user_frame(exc: BaseException, file: Path) -> str:
    """``file:line`` of the deepest frame in the deployment's own code, else of function_app.py."""
    frames = traceback.extract_tb(exc.__traceback__)
    folder = str(file.parent)
    own = [f for f in frames if f.filename.startswith(folder)]
    frame = own[-1] if own else (frames[-1] if frames else None)
    return f"{frame.filename}:{frame.lineno}" if frame else str(file)


def _find_app(module: Any, file: Path) -> func.FunctionRegister:
    """The module's one top-level function app, found as the worker finds it (``loader.index_function_app``): any
    ``FunctionRegister`` (``FunctionApp``, ``AsgiFunctionApp``, ``WsgiFunctionApp``), and only one."""
    apps = {name: value for name, value in vars(module).items() if isinstance(value, func.FunctionRegister)}
    if len(apps) > 1:  # two names for one app count twice there too
        raise IndexingError(
            f"{file}: more than one top-level function app instance is defined ({', '.join(sorted(apps))}); the "
            "worker refuses such an app.",
            hint="keep one app object and put the other functions on a func.Blueprint registered on it",
        )
    if not apps:
        raise IndexingError(
            f"{file}: no FunctionApp found (the worker looks for `app = func.FunctionApp()`).",
            hint="add `app = func.FunctionApp()` at module level and decorate your functions with it",
        )
    app: func.FunctionRegister = next(iter(apps.values()))
    return app


def _get_functions(app: func.FunctionRegister, file: Path) -> list[Any]:
    # get_functions() works once per app object (a second call raises ValueError): cache it on the app.
    cached = getattr(app, "_exchange_functions", None)
    if cached is not None:
        return list(cached)
    try:
        with _quiet_auth_level_warning():
            functions = list(app.get_functions())
    except Exception as exc:  # azure.functions validates decorators here (duplicate names, missing trigger, ...)
        raise IndexingError(
            f"{file}: the FunctionApp rejected its functions: {exc}",
            hint="each function needs exactly one trigger and a unique name",
            details=traceback.format_exc(),
        ) from exc
    app._exchange_functions = functions  # type: ignore[attr-defined]
    return functions


class _AuthLevelFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Auth level is not applied to non http function app")


@contextlib.contextmanager
def _quiet_auth_level_warning() -> Iterator[None]:
    """azure-functions warns about the app's default auth level for every non-HTTP app: noise for the user.

    A NullHandler meanwhile keeps ``logging.warning`` from calling ``basicConfig()`` on a root logger without
    handlers, which would print every later log line of the embedding program to stderr.
    """
    root, quiet, null = logging.getLogger(), _AuthLevelFilter(), logging.NullHandler()
    root.addFilter(quiet)
    root.addHandler(null)
    try:
        yield
    finally:
        root.removeFilter(quiet)
        root.removeHandler(null)


def _plain(value: Any) -> Any:
    """function.json values: enums become their value (AuthLevel 'function', HttpMethod 'GET')."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _binding(raw: dict[str, Any]) -> BindingInfo:
    direction = raw.get("direction", 0)
    direction = direction.value if isinstance(direction, enum.Enum) else direction
    settings = {k: _plain(v) for k, v in raw.items() if k not in ("direction", "type", "name")}
    return BindingInfo(raw["name"], str(raw["type"]), _DIRECTIONS.get(int(direction), "in"), settings)


def _source(callable_: Any) -> str:
    """``file:line`` of the ``def`` (not of its first decorator)."""
    try:
        lines, first = inspect.getsourcelines(callable_)
        offset = next((i for i, line in enumerate(lines) if line.lstrip().startswith(("def ", "async def "))), 0)
        return f"{inspect.getsourcefile(callable_)}:{first + offset}"
    except (OSError, TypeError):
        return getattr(callable_, "__qualname__", repr(callable_))


def _function_info(fn: Any, deployment: Deployment) -> FunctionInfo:
    name = fn.get_function_name()
    user = fn.get_user_function()
    source = _source(user)
    all_bindings = [_binding(raw) for raw in fn.get_dict_repr()["bindings"]]
    not_run = not_run_reason(all_bindings)
    signature = _check_function(name, user, fn.get_bindings(), source)
    triggers = [b for b in all_bindings if b.is_trigger]
    listed = deployment.host.functions
    return FunctionInfo(
        name=name,
        trigger=triggers[0],
        bindings=tuple(b for b in all_bindings if not b.is_trigger),
        callable=user,
        is_async=inspect.iscoroutinefunction(user),
        source=source,
        disabled=not_run is not None or deployment.local.is_disabled(name) or not _listed(name, listed),
        not_run=not_run,
        wants_context=signature.wants_context,
        signature=signature,
        retry=fn.get_settings_dict("retry_policy"),  # as the worker reads @app.retry (loader.get_retry_settings)
    )


def _listed(name: str, listed: tuple[str, ...] | None) -> bool:
    """True unless host.json's ``functions`` list leaves ``name`` out (the host compares names ignoring case)."""
    return listed is None or name.lower() in {f.lower() for f in listed}


def _check_function(name: str, user: Any, raw_bindings: list[Any], source: str) -> Signature:
    """The worker's checks of parameters, annotations and bindings: a failure stops the app, as on Azure."""
    try:
        return check_function(name, user, raw_bindings)
    except FunctionLoadError as exc:
        raise IndexingError(
            f"{source}: FunctionLoadError: {exc}",
            hint="the Python worker refuses to load the whole app for this; make the parameter's annotation match "
            "its binding (func.QueueMessage, str or bytes for a queue trigger; func.Out[...] for an output)",
            details=traceback.format_exc(),
        ) from exc
    except Exception as exc:  # typing.get_type_hints() on an annotation that cannot be resolved: the worker fails too
        raise IndexingError(
            f"{source}: function {name} cannot be loaded: its annotations cannot be resolved: "
            f"{type(exc).__name__}: {exc}",
            hint="import the names used in the function's annotations",
            details=traceback.format_exc(),
        ) from exc
