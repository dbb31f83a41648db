"""Support for the timer and HTTP tests: load a test app through the host's indexing, a manual clock, waiting.

The test apps under ``apps/`` append what their functions receive to a module-level ``CALLS`` list, which the
tests read back through :func:`calls_of`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiohttp

from emulator.app.deployment import Deployment, load_deployment
from emulator.app.functions import FunctionInfo
from emulator.app.indexing import index_functions
from emulator.runtime.invocation import Invoker
from emulator.triggers.http.server import HttpOptions, HttpServer

APPS = Path(__file__).parent / "apps"
#: Never used for I/O by these tests (their functions have no storage bindings): a fixed, harmless value.
NO_STORAGE = "UseDevelopmentStorage=true"


def load_app(folder: str) -> tuple[Deployment, list[FunctionInfo]]:
    """Load ``apps/<folder>`` as the host does: host.json, local.settings.json, function_app.py."""
    deployment = load_deployment(APPS / folder)
    return deployment, index_functions(deployment)


def calls_of(functions: Sequence[FunctionInfo]) -> list[tuple[str, Any]]:
    """The ``CALLS`` list of the app the functions come from: (function name, trigger value) pairs."""
    calls: list[tuple[str, Any]] = functions[0].callable.__globals__["CALLS"]
    return calls


def new_invoker() -> Invoker:
    """The host's invoker, without storage I/O."""
    return Invoker(NO_STORAGE)


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


Scenario = Callable[["aiohttp.ClientSession"], Awaitable[None]]


def run_http(app: str, scenario: Scenario, state_dir: Path, *, enable_auth: bool = False) -> None:
    """Serve test app ``app`` on a free port and run ``scenario`` with a client session on it."""
    import aiohttp

    async def main() -> None:
        _, functions = load_app(app)
        invoker = new_invoker()
        server = HttpServer(HttpOptions(port=0, enable_auth=enable_auth))
        await server.start_with(invoker, functions, state_dir=state_dir / ".exchange", port=0)
        try:
            async with aiohttp.ClientSession(base_url=server.base_url()) as client:
                await scenario(client)
        finally:
            await server.drain(timeout=2)
            await invoker.close()

    asyncio.run(main())
