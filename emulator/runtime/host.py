"""The host: one deployment's functions driven by their triggers, inside one worker process.

``Host`` indexes the deployment, starts a :class:`~emulator.triggers.queue.QueuePoller` per enabled queue function
and every registered runner (timer, HTTP, ...), journals what happens, and can be drained (stop taking work, finish
what is in flight within a bound) and stopped. The ``exchange dev`` supervisor runs one Host per worker process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import ChainMap
from typing import TYPE_CHECKING, Protocol

from emulator.app.deployment import Deployment
from emulator.app.functions import BindingInfo, FunctionInfo
from emulator.app.indexing import index_functions
from emulator.conversion.bindings import BindingError, resolve_app_settings
from emulator.journal.store import Journal
from emulator.runtime import logs
from emulator.runtime.azure import AzureRuntime, RuntimeName
from emulator.runtime.azure import check_available as check_runtime_available
from emulator.runtime.invocation import Invoker
from emulator.triggers.queue import LEASE_S, QueuePoller
from framework.context import default_runtime, runtime_context
from framework.runtime import Runtime

if TYPE_CHECKING:
    from azure.storage.queue.aio import QueueClient

log = logging.getLogger("emulator.runtime.host")


class Runner(Protocol):
    """A trigger runner the host starts and drains with itself (timer scheduler, HTTP server, ...)."""

    async def start(self, host: Host) -> None:
        """Begin triggering ``host``'s functions (through ``host.invoker``)."""

    async def drain(self, timeout: float) -> None:
        """Stop triggering and finish in-flight invocations within ``timeout`` seconds."""


class Host:
    """The functions of one deployment, running against one storage account and (optionally) one database."""

    def __init__(
        self,
        deployment: Deployment,
        *,
        storage: str,
        database_url: str | None = None,
        journal: Journal | None = None,
        functions: list[FunctionInfo] | None = None,
        lease_s: float = LEASE_S,
        runtime: RuntimeName = "emulator",
    ) -> None:
        self.deployment = deployment
        self.storage = storage
        self.database_url = database_url
        self.journal = journal
        self.lease_s = lease_s
        #: What runs the functions: the emulator's own worker path, or azure-functions-runtime (3.13+).
        self.engine: RuntimeName = runtime
        if runtime == "azure":
            check_runtime_available()
        self._functions = functions
        if functions is not None:  # indexed by the caller: the functions still need the host's environment
            os.environ.update(self.app_settings)
        #: What the framework uses inside this host's functions: its settings (this host's app settings over the
        #: process environment), event sinks, metrics, queue transport and databases (disposed at :meth:`stop`).
        self.runtime = framework_runtime(runtime, self.app_settings)
        self.invoker = Invoker(
            storage, config=deployment.host, journal=journal, on_queue_sent=self._queue_sent, runtime=self.runtime
        )
        self.runtime.set_transport(self.invoker.transport)
        self.pollers: dict[str, QueuePoller] = {}
        self.runners: list[Runner] = []
        self._drained = False
        self._prepared: dict[str, QueuePoller] | None = None
        self._log_handler: logs.JournalLogHandler | None = None

    @property
    def environment(self) -> dict[str, str]:
        """What the host puts in the worker's environment over local.settings.json's Values."""
        env = {"AzureWebJobsStorage": self.storage}
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    @property
    def app_settings(self) -> dict[str, str]:
        """This host's app settings: local.settings.json's Values with :attr:`environment` over them."""
        return {**self.deployment.local.values, **self.environment}

    @property
    def functions(self) -> list[FunctionInfo]:
        """The deployment's functions (indexed on first use)."""
        if self._functions is None:
            self._functions = index_functions(self.deployment, env=self.environment)
        return self._functions

    def function(self, name: str) -> FunctionInfo | None:
        """The function called ``name`` (case-insensitive, as the host's admin API), or None."""
        return next((f for f in self.functions if f.name.lower() == name.lower()), None)

    def add_runner(self, runner: Runner) -> None:
        """Start and drain ``runner`` with the host (call before :meth:`start`)."""
        self.runners.append(runner)

    async def prepare(self, warm_clients: dict[tuple[str, str], QueueClient] | None = None) -> None:
        """Index (if not done) and make every queue ready (client open, queue created), receiving nothing yet.

        Runs under the host's runtime, so queue names and connections are resolved from this host's settings.

        A reload does this while the old generation drains, so that :meth:`start` has no round trip left to make.
        ``warm_clients`` (connection string, queue) -> a client a warm spare opened on a queue that existed then;
        the pollers take the ones they need (the dict keeps the rest, for the caller to close).
        """
        if self._prepared is not None:
            return
        with runtime_context(self.runtime):
            await self._prepare(warm_clients)

    async def _prepare(self, warm_clients: dict[tuple[str, str], QueueClient] | None) -> None:
        queue_functions = [f for f in self.functions if f.trigger.type == "queueTrigger" and not f.disabled]
        pollers = {
            fn.name: QueuePoller(fn, self.invoker, self.deployment.host.queues, lease_s=self.lease_s)
            for fn in queue_functions
        }
        warm = warm_clients if warm_clients is not None else {}
        outcomes = await asyncio.gather(
            *(p.prepare(warm.pop((p.connection, p.queue), None)) for p in pollers.values()), return_exceptions=True
        )
        failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
        if failure is not None:
            await asyncio.gather(*(p.drain(0.0) for p in pollers.values()))
            raise failure
        self._prepared = pollers

    async def start(self) -> None:
        """Index and prepare (if not done), then start a poller per enabled queue function and every runner.

        Under the host's runtime: the pollers' and runners' tasks inherit it (contextvars), so whatever they do
        reads this host's settings and reaches its sinks, metrics, transport and databases.
        """
        with runtime_context(self.runtime):
            await self._start()

    async def _start(self) -> None:
        functions = self.functions
        self.invoker.transport.bind(asyncio.get_running_loop())
        await self.start_runtime()
        await self.prepare()
        if self.journal is not None:
            self._log_handler = logs.install(self.journal, self.runtime, self.invoker.scope)
        for name, poller in (self._prepared or {}).items():
            await poller.start()
            self.pollers[name] = poller
        for runner in self.runners:
            await runner.start(self)
        log.info("%s", self.summary())
        if all(fn.disabled for fn in functions):
            log.warning(
                "no function runs (AzureWebJobs.<name>.Disabled in local.settings.json, host.json's functions list, "
                "or bindings not run locally): nothing will run"
            )
        not_run = {f.name: f.not_run for f in functions if f.not_run is not None}
        self._record("host.start", functions=[f.name for f in functions], not_run=not_run, pid=os.getpid())

    async def start_runtime(self) -> None:
        """With ``runtime="azure"``, let azure-functions-runtime index the app (again, as a worker does)."""
        if self.engine == "azure" and self.invoker.engine is None:
            engine = AzureRuntime(self.deployment.path)
            await engine.start()
            self.invoker.engine = engine

    def summary(self) -> str:
        """A readable list of the functions, their triggers and bindings (as ``func start`` prints)."""
        count = len(self.functions)
        lines = [f"{count} function{'s' if count != 1 else ''} in {self.deployment.function_app}:"]
        for fn in self.functions:
            state = "" if fn.state == "enabled" else f" ({fn.state})"
            lines.append(f"  {fn.name}{state}  {fn.source}")
            lines += [f"      {describe_binding(b)}" for b in (fn.trigger, *fn.bindings)]
        return "\n".join(lines)

    async def drain(self, timeout: float = 30.0) -> None:
        """Stop taking work; let in-flight invocations finish within ``timeout`` seconds."""
        pollers = {*self.pollers.values(), *(self._prepared or {}).values()}  # prepared ones hold clients too
        parts = [p.drain(timeout) for p in pollers]
        if not self._drained:
            parts += [r.drain(timeout) for r in self.runners]
        self._drained = True
        self.pollers.clear()
        self._prepared = {}
        await asyncio.gather(*parts)

    async def stop(self, timeout: float = 0.0) -> None:
        """Drain (briefly by default), then release clients, databases and the journal sink."""
        await self.drain(timeout)
        self.runtime.close()
        await self.invoker.close()
        if self.journal is not None:
            if self._log_handler is not None:
                logs.uninstall(self._log_handler)
                self._log_handler = None
            self._record("host.stop", pid=os.getpid())
            self.journal.flush()

    def _queue_sent(self, queue: str) -> None:
        for poller in self.pollers.values():
            if poller.queue == queue:
                poller.wake()

    def _record(self, kind: str, **data: object) -> None:
        if self.journal is not None:
            self.journal.record(kind, data=data)


def framework_runtime(engine: RuntimeName, app_settings: dict[str, str]) -> Runtime:
    """The framework runtime a host's functions run under: its own one, or the process's under azure-functions-runtime.

    The real runtime calls a sync function in its own thread pool (``loop.run_in_executor``, which copies no context
    variables), so the framework there sees no runtime a host put in force, only the process's: on Azure the
    worker process is the one host. The host makes that one its own (its sinks and transport, released at
    :meth:`Host.stop`), so what the framework does is journaled and sent through the host as on the emulator's
    path. Its settings are ``os.environ``, where the host writes its app settings, as the real worker reads them.
    """
    if engine == "azure":
        return default_runtime()
    return Runtime(settings=ChainMap(app_settings, os.environ))


def describe_binding(binding: BindingInfo) -> str:
    """One line for a binding: ``msg <- queueTrigger orders``, ``$return -> queue next-stage``."""
    s = binding.settings
    target = str(s.get("queueName") or s.get("path") or s.get("tableName") or s.get("schedule") or s.get("route") or "")
    with contextlib.suppress(BindingError):  # else shown as written; the trigger reports the missing setting
        target = resolve_app_settings(target, where=binding.name)
    methods = ",".join(str(m) for m in s.get("methods") or [])
    arrow = "<-" if binding.direction == "in" else "->"
    return " ".join(part for part in (binding.name, arrow, binding.type, methods, target) if part)
