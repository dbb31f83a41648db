"""Support for the timer and HTTP tests: load a test app's functions, a direct invoker, a manual clock, waiting.

The invoker here is a real one (it calls the user's function), kept to what these tests need until the host's
own ``emulator.invocation.Invoker`` is merged.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import azure.functions as func

from emulator.functions import BindingInfo, FunctionInfo

APPS = Path(__file__).parent / "apps"


def load_functions(app_folder: str) -> list[FunctionInfo]:
    """Import ``apps/<app_folder>/function_app.py`` and index its functions from ``get_functions()``."""
    path = APPS / app_folder / "function_app.py"
    name = f"test_app_{app_folder}_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return [_info(fn) for fn in module.app.get_functions()]


def _info(fn: Any) -> FunctionInfo:
    bindings = [_binding(b) for b in json.loads(fn.get_function_json())["bindings"]]
    trigger = next(b for b in bindings if b.is_trigger)
    user = fn.get_user_function()
    return FunctionInfo(
        name=fn.get_function_name(),
        trigger=trigger,
        bindings=tuple(b for b in bindings if b is not trigger),
        callable=user,
        is_async=inspect.iscoroutinefunction(user),
        source=f"{inspect.getsourcefile(user)}:{inspect.getsourcelines(user)[1]}",
    )


def _binding(data: dict[str, Any]) -> BindingInfo:
    settings = {k: v for k, v in data.items() if k not in ("name", "type", "direction")}
    direction = {"IN": "in", "OUT": "out", "INOUT": "inout"}[str(data["direction"]).upper()]
    return BindingInfo(data["name"], data["type"], direction, settings)  # type: ignore[arg-type]


class Out(func.Out[Any]):
    """A concrete ``func.Out``."""

    def __init__(self) -> None:
        self.value: Any = None

    def set(self, val: Any) -> None:
        self.value = val

    def get(self) -> Any:
        return self.value


@dataclass
class Result:
    invocation_id: str
    function: str
    ok: bool
    duration_ms: float
    return_value: Any
    http_response: func.HttpResponse | None
    error: BaseException | None
    outputs: list[Any] = field(default_factory=list)


@dataclass
class Call:
    function: str
    trigger_value: Any
    trigger_details: dict[str, Any] | None


class DirectInvoker:
    """Calls the function with its trigger value and ``func.Out`` objects; records every call."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    async def invoke(
        self,
        fn: FunctionInfo,
        trigger_value: Any,
        *,
        trigger_details: dict[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> Result:
        self.calls.append(Call(fn.name, trigger_value, trigger_details))
        outs = {b.name: Out() for b in fn.outputs() if b.name != "$return"}
        started = time.perf_counter()
        try:
            value = fn.callable(**{fn.trigger.name: trigger_value}, **outs)
            if inspect.isawaitable(value):
                value = await value
            error: BaseException | None = None
        except Exception as caught:
            value, error = None, caught
        http = value if isinstance(value, func.HttpResponse) else None
        http = http or next((o.value for o in outs.values() if isinstance(o.value, func.HttpResponse)), None)
        elapsed = (time.perf_counter() - started) * 1000
        return Result(uuid.uuid4().hex, fn.name, error is None, elapsed, value, http, error)


class ManualClock:
    """A clock the test moves by hand; ``sleep_until`` returns once the test has advanced past the moment."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._changed = asyncio.Condition()
        self.sleepers: list[datetime] = []

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, moment: datetime) -> None:
        self.sleepers.append(moment)
        try:
            async with self._changed:
                await self._changed.wait_for(lambda: self._now >= moment)
        finally:
            self.sleepers.remove(moment)

    async def advance_to(self, moment: datetime) -> None:
        async with self._changed:
            self._now = moment
            self._changed.notify_all()


async def wait_until(condition: Callable[[], bool], *, timeout: float = 5.0, what: str = "condition") -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)
