"""Invoking one function as the Python worker does: inputs in, the call (with a timeout), outputs out.

Every trigger runner (queue, timer, HTTP, the admin endpoint) calls :meth:`Invoker.invoke`. Sync functions run in
a thread pool with the caller's context variables, async ones on the event loop. ``functionTimeout`` is enforced;
a sync function cannot be stopped (Python threads cannot be killed), so it is reported as timed out and its thread
runs on, as with the real worker. Output bindings are delivered only when the function succeeds, as the host does.

Values cross as TypedData (``Datum``): the host's side builds them (:mod:`emulator.conversion.host_values`), the
converters of azure.functions decode and encode them (:mod:`emulator.conversion.converters`, with the worker's checks
from :mod:`emulator.conversion.checks`), or, with ``--runtime azure``, azure-functions-runtime does the worker's part
(:mod:`emulator.runtime.azure`).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions.meta import Datum

from emulator.app.deployment import HostConfig
from emulator.app.functions import BindingInfo, FunctionInfo
from emulator.conversion import bindings, converters, host_values
from emulator.conversion.checks import Signature
from emulator.conversion.converters import ParamType
from emulator.journal.store import InvocationScope, Journal, current_invocation, truncate
from emulator.runtime import tables
from emulator.runtime.azure import AzureRuntime
from emulator.runtime.context import InvocationContext, RetryContext, TraceContext
from emulator.runtime.storage import StorageClients, connection_for
from emulator.runtime.transport import HostQueueTransport
from framework.context import correlation_context, current_correlation_id, runtime_context
from framework.errors import ExchangeError
from framework.events import Event
from framework.queues import MessageDecodeError, MessageTooLargeError, encode_body
from framework.runtime import Runtime

#: One line per invocation (the plain log stream of ``exchange dev --no-tui``).
fn_log = logging.getLogger("exchange.functions")


class FunctionTimeoutError(ExchangeError):
    """A function ran longer than host.json's ``functionTimeout``."""

    #: The thread of a sync function, which runs on.
    still_running: asyncio.Future[Any] | None = None


@dataclass(frozen=True)
class OutputRecord:
    """What one output binding sent."""

    #: The binding's name (parameter name or ``$return``).
    binding: str
    #: ``queue``, ``blob``, ``table`` or ``http``.
    type: str
    #: The queue name, the ``container/blob`` path, the table, or ``http``.
    target: str
    #: How many messages (or blobs, or responses) were sent.
    count: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"binding": self.binding, "type": self.type, "target": self.target, "count": self.count}


@dataclass
class InvocationResult:
    """The outcome of one invocation."""

    invocation_id: str
    function: str
    ok: bool
    duration_ms: float
    #: What the function returned.
    return_value: Any = None
    #: From a ``$return`` http binding or a ``func.Out[func.HttpResponse]`` http binding.
    http_response: func.HttpResponse | None = None
    #: That response as the worker encoded it, once (encoding moves ``Set-Cookie`` headers into its cookies).
    http_datum: Datum | None = None
    #: What the function (or the delivery of its outputs) raised; a :class:`FunctionTimeoutError` on timeout.
    error: BaseException | None = None
    #: What each output binding sent.
    outputs: list[OutputRecord] = field(default_factory=list)
    #: A timed-out sync function's thread, still running: a trigger must not retry its input before it ends.
    still_running: asyncio.Future[Any] | None = None

    @property
    def timed_out(self) -> bool:
        """True when the function overran ``functionTimeout``."""
        return isinstance(self.error, FunctionTimeoutError)


def _thread_count(settings: Mapping[str, str]) -> int:
    """The worker's pool size: ``PYTHON_THREADPOOL_THREAD_COUNT``, else min(32, CPUs + 4) as in Python 3.9+."""
    configured = settings.get("PYTHON_THREADPOOL_THREAD_COUNT", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else min(32, (os.cpu_count() or 1) + 4)


class Invoker:
    """Runs functions of one host: its storage, its ``functionTimeout``, its journal."""

    def __init__(
        self,
        storage: str,
        *,
        config: HostConfig | None = None,
        journal: Journal | None = None,
        on_queue_sent: Callable[[str], None] | None = None,
        runtime: Runtime | None = None,
        engine: AzureRuntime | None = None,
    ) -> None:
        self.storage = storage
        self.config = config or HostConfig()
        self.journal = journal
        #: The framework runtime the functions run under (event sinks, metrics, queue transport of this host).
        self.runtime = runtime or Runtime()
        self.runtime.sinks.add(self._on_event)
        #: Called with a queue name after an output binding sent to it (wakes this host's poller of that queue).
        self.on_queue_sent = on_queue_sent
        #: azure-functions-runtime, when it runs the functions (``--runtime azure``); None: the emulator's own path.
        self.engine = engine
        self.clients = StorageClients()
        self.tables = tables.Tables()
        #: Every queue send of this host: output bindings, poison moves, and the framework's (through the runtime).
        self.transport = HostQueueTransport(
            self.clients, storage, encoding=self.config.queues.message_encoding, record=self.record, on_sent=self._sent
        )
        threads = _thread_count(self.runtime.settings)
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="exchange-fn")
        #: The invocations running now, by id: how code in azure-functions-runtime's threads is tied to its own.
        self._in_flight: dict[str, InvocationScope] = {}

    def scope(self) -> InvocationScope | None:
        """The invocation the calling code runs in, or None (code outside any invocation).

        The invoker's context variable reaches the function wherever the emulator calls it. azure-functions-runtime
        calls a sync function in its own thread pool, where no context variable of the host's arrives (as on
        Azure); there the runtime's own invocation id says which in-flight invocation it is."""
        scope = current_invocation.get()
        if scope is None and self.engine is not None and self._in_flight:
            scope = self._in_flight.get(self.engine.invocation_in_force() or "")
        return scope

    async def invoke(
        self,
        fn: FunctionInfo,
        trigger_value: Any,
        *,
        trigger_details: dict[str, Any] | None = None,
        correlation_id: str | None = None,
        retry: RetryContext | None = None,
    ) -> InvocationResult:
        """Call ``fn`` with ``trigger_value`` for its trigger argument; deliver its outputs if it succeeds.

        ``retry`` is where the invocation stands in the function's retry policy (``context.retry_context``)."""
        details = trigger_details or {}
        invocation_id = str(uuid.uuid4())
        with runtime_context(self.runtime), correlation_context(correlation_id) as cid:
            scope = self._in_flight[invocation_id] = InvocationScope(invocation_id, fn.name, correlation_id=cid)
            token = current_invocation.set(scope)
            try:
                self._journal_start(fn, invocation_id, cid, details)
                started = time.perf_counter()
                result = InvocationResult(invocation_id, fn.name, ok=False, duration_ms=0.0)
                try:
                    await self._run(fn, trigger_value, details, result, retry)
                finally:  # cancelled (the host is draining) or not, the journal says how it ended
                    result.duration_ms = (time.perf_counter() - started) * 1000
                    self._journal_end(fn, result, cid, details)
            finally:
                current_invocation.reset(token)
                del self._in_flight[invocation_id]
        _log_end(fn, result)  # outside the invocation: the host's line, not one of the function's journaled logs
        return result

    async def _run(
        self,
        fn: FunctionInfo,
        trigger_value: Any,
        details: dict[str, Any],
        result: InvocationResult,
        retry: RetryContext | None = None,
    ) -> None:
        """Fill ``result``: arguments in, the call, outputs out; the function's exception is kept, not raised."""
        try:
            inputs, metadata = await self._input_datums(fn, trigger_value, details)
            if self.engine is not None:  # azure-functions-runtime converts and calls, as on Azure
                encoded = await self._call_runtime(fn, self.engine, inputs, metadata, result.invocation_id)
            else:
                encoded = await self._call_here(fn, inputs, metadata, result, details, retry)
            result.outputs, result.http_response, result.http_datum = await self._deliver(fn, encoded, details)
            result.ok = True
        except TimeoutError:
            result.error = self._timeout_error(
                fn, "its thread runs on until it returns (Python threads cannot be stopped)"
            )
        except Exception as exc:  # the function's own failure is the invocation's outcome, never the host's
            result.error = exc
            result.still_running = getattr(exc, "still_running", None)
        except asyncio.CancelledError as exc:
            result.error = exc
            raise

    async def _call_runtime(
        self,
        fn: FunctionInfo,
        runtime: AzureRuntime,
        inputs: dict[str, Datum],
        metadata: dict[str, Datum],
        invocation_id: str,
    ) -> list[tuple[BindingInfo, Any, Datum]]:
        call = runtime.invoke(fn.name, inputs, metadata, invocation_id=invocation_id)
        try:
            outcome = await asyncio.wait_for(call, self.config.function_timeout_s)
        except TimeoutError:
            raise self._timeout_error(fn, "the runtime's thread runs on until it returns") from None
        return outcome.encoded(fn)

    async def _call_here(
        self,
        fn: FunctionInfo,
        inputs: dict[str, Datum],
        metadata: dict[str, Datum],
        result: InvocationResult,
        details: dict[str, Any],
        retry: RetryContext | None,
    ) -> list[tuple[BindingInfo, Any, Datum]]:
        """The emulator's own worker: decode the arguments, call, check and encode what came back."""
        kwargs = self._arguments(fn, inputs, metadata)
        if fn.wants_context:
            folder = str(Path(fn.source.rpartition(":")[0]).parent)
            trace = TraceContext.for_request(details.get("Headers"))
            kwargs["context"] = InvocationContext(result.invocation_id, fn.name, folder, trace=trace, retry=retry)
        outs = {name: value for name, value in kwargs.items() if isinstance(value, bindings.Out)}
        result.return_value = await self._call(fn, kwargs)
        if result.return_value is not None and _signature(fn).returns is None:
            raise RuntimeError(f"function {fn.name!r} without a $return binding returned a non-None value")
        return self._encode(fn, result.return_value, outs)

    async def _input_datums(
        self, fn: FunctionInfo, trigger_value: Any, details: dict[str, Any]
    ) -> tuple[dict[str, Datum], dict[str, Datum]]:
        """What the host hands the worker: the trigger's and each input binding's TypedData, the trigger metadata."""
        datum, metadata = host_values.trigger_datum(trigger_value, data_type=fn.trigger.settings.get("dataType"))
        inputs = {fn.trigger.name: datum}
        for binding in fn.bindings:
            if binding.direction == "in" and binding.type == "blob":
                inputs[binding.name] = await self._blob_datum(fn, binding, details)
            elif binding.direction == "in" and binding.type == "table":  # JSON text through the generic binding
                conn = connection_for(binding.settings.get("connection"), self.storage)
                where = f"function {fn.name}, table input {binding.name!r}"
                inputs[binding.name] = Datum(await self.tables.read(conn, binding, details, where=where), "json")
        return inputs, metadata

    def _arguments(self, fn: FunctionInfo, inputs: dict[str, Datum], metadata: dict[str, Datum]) -> dict[str, Any]:
        """The function's arguments, each decoded by its binding's converter as the worker does."""
        signature = _signature(fn)
        kinds = {b.name: b.type for b in fn.bindings} | {fn.trigger.name: fn.trigger.type}
        kwargs: dict[str, Any] = {}
        for name, datum in inputs.items():
            param = signature.inputs.get(name) or ParamType(kinds[name])
            # the worker hands the trigger metadata to every converter that also serves a trigger (the blob one
            # does: a queue message's metadata has no blob Properties, so InputStream.length stays None, as on Azure)
            trigger_metadata = metadata if converters.is_trigger(param.binding) else None
            where = f"function {fn.name}, binding {name!r}"
            kwargs[name] = converters.decode(param, datum, metadata=trigger_metadata, where=where)
        for binding in fn.bindings:
            if binding.direction == "out" and binding.name != "$return":
                kwargs[binding.name] = bindings.Out()
        return kwargs

    async def _call(self, fn: FunctionInfo, kwargs: dict[str, Any]) -> Any:
        timeout = self.config.function_timeout_s
        if fn.is_async:
            try:
                return await asyncio.wait_for(fn.callable(**kwargs), timeout)
            except TimeoutError:
                raise self._timeout_error(fn, "it was cancelled") from None
        call = functools.partial(contextvars.copy_context().run, fn.callable, **kwargs)
        future = asyncio.get_running_loop().run_in_executor(self._executor, call)
        # asyncio.wait neither cancels the future on timeout nor needs an extra task per call (wait_for would)
        done, _ = await asyncio.wait({future}, timeout=timeout)
        if not done:
            error = self._timeout_error(fn, "its thread runs on until it returns (Python threads cannot be stopped)")
            error.still_running = future
            raise error
        return future.result()

    def _timeout_error(self, fn: FunctionInfo, what_then: str) -> FunctionTimeoutError:
        return FunctionTimeoutError(
            f"Function {fn.name} timed out after {self.config.function_timeout_s:g} s; {what_then}.",
            hint='raise functionTimeout in host.json (e.g. "00:10:00"), or make the function faster',
        )

    # -- inputs and outputs ----------------------------------------------------------------------------------

    async def _blob_datum(self, fn: FunctionInfo, binding: BindingInfo, details: dict[str, Any]) -> Datum:
        """A blob input as the host reads it (no value when the blob does not exist)."""
        where = f"function {fn.name}, blob input {binding.name!r}"
        path = bindings.resolve_expression(str(binding.settings.get("path", "")), details, where=where)
        found = await self.clients.read_blob(connection_for(binding.settings.get("connection"), self.storage), path)
        if found is None:
            return Datum(None, None)
        return host_values.blob_datum(found[0], data_type=binding.settings.get("dataType"))

    async def _deliver(
        self, fn: FunctionInfo, encoded: list[tuple[BindingInfo, Any, Datum]], details: dict[str, Any]
    ) -> tuple[list[OutputRecord], func.HttpResponse | None, Datum | None]:
        """Send the encoded outputs (all were encoded first: a refusal fails the invocation before anything is sent)."""
        records: list[OutputRecord] = []
        response: func.HttpResponse | None = None
        response_datum: Datum | None = None
        for binding, value, datum in encoded:
            where = f"function {fn.name}, output {binding.name!r}"
            if binding.type == "queue":
                records.append(await self._send_queue(fn, binding, datum, details, where))
            elif binding.type == "blob":
                records.append(await self._write_blob(binding, datum, details, where))
            elif binding.type == "table":
                conn = connection_for(binding.settings.get("connection"), self.storage)
                table, count = await self.tables.output(conn, binding, datum.value, details, where=where)
                records.append(OutputRecord(binding.name, "table", table, count))
            elif binding.type == "http":
                answer = host_values.http_response(datum, value, where=where)
                if answer is not None:  # the converter's datum of the function's own response, used as is
                    response, response_datum = answer, (datum if answer is value else None)
                records.append(OutputRecord(binding.name, "http", "http", int(response is not None)))
        return records, response, response_datum

    def _encode(
        self, fn: FunctionInfo, returned: Any, outs: dict[str, bindings.Out[Any]]
    ) -> list[tuple[BindingInfo, Any, Datum]]:
        """Each output's TypedData through its converter; unset ``func.Out`` values are skipped, as by the worker."""
        signature = _signature(fn)
        encoded = []
        for binding in fn.outputs():
            if binding.name == "$return":
                param, value = signature.returns or ParamType(binding.type), returned
            elif binding.name in outs and outs[binding.name].get() is not None:
                param, value = signature.outputs.get(binding.name) or ParamType(binding.type), outs[binding.name].get()
            else:
                continue
            where = f"function {fn.name}, output {binding.name!r}"
            if param.binding == "queue" and isinstance(value, dict):
                _warn_dict_to_queue(where, value)
            encoded.append((binding, value, converters.encode(param, value, where=where)))
        return encoded

    async def _send_queue(
        self, fn: FunctionInfo, binding: BindingInfo, datum: Datum, details: dict[str, Any], where: str
    ) -> OutputRecord:
        bodies = host_values.queue_bodies(datum, where=where)
        queue = bindings.queue_name(str(binding.settings.get("queueName", "")), where=where, metadata=details)
        conn = connection_for(binding.settings.get("connection"), self.storage)
        encoding = self.config.queues.message_encoding
        try:
            texts = [encode_body(body, encoding) for body in bodies]
        except (MessageTooLargeError, MessageDecodeError) as exc:  # say which function and queue it was for
            raise bindings.BindingError(f"{where}, queue {queue!r}: {exc.message}", hint=exc.hint) from exc
        ids = await self.transport.send_texts(conn, queue, texts, [_text(body) for body in bodies])
        return OutputRecord(binding.name, "queue", queue, len(ids))

    async def _write_blob(
        self, binding: BindingInfo, datum: Datum, details: dict[str, Any], where: str
    ) -> OutputRecord:
        path = bindings.resolve_expression(str(binding.settings.get("path", "")), details, where=where)
        data = host_values.blob_content(datum, where=where)
        if data is not None:
            await self.clients.write_blob(connection_for(binding.settings.get("connection"), self.storage), path, data)
            self._journal("message.out", queue=path, data={"blob": path, "bytes": len(data), "body": _text(data)})
        return OutputRecord(binding.name, "blob", path, int(data is not None))

    # -- journal ---------------------------------------------------------------------------------------------

    def _sent(self, queue: str) -> None:
        if self.on_queue_sent is not None:
            self.on_queue_sent(queue)

    def record(self, kind: str, **fields: Any) -> None:
        """Record an entry, tied to the invocation and correlation id in force (callable from any thread)."""
        self._journal(kind, **fields)

    def _journal(self, kind: str, **fields: Any) -> None:
        """Record an entry, tied to the invocation and correlation id in force."""
        if self.journal is None:
            return
        scope = self.scope()
        if scope is not None:
            fields.setdefault("invocation_id", scope.invocation_id)
            fields.setdefault("function", scope.function)
        fields.setdefault("correlation_id", current_correlation_id() or (scope.correlation_id if scope else None))
        self.journal.record(kind, **fields)

    def _on_event(self, event: Event) -> None:
        """The sink this invoker adds to its runtime: framework events, tied to the invocation they happened in."""
        scope = self.scope()
        if scope is not None:
            _note_failure(event, scope)
        if self.journal is not None:
            self.journal.append_event(event, scope)

    def _journal_start(self, fn: FunctionInfo, invocation_id: str, cid: str, details: dict[str, Any]) -> None:
        self._journal(
            "invocation.start",
            function=fn.name,
            queue=_trigger_queue(fn),
            invocation_id=invocation_id,
            correlation_id=cid,
            message_id=details.get("Id"),
            data={"trigger": fn.trigger_kind, "dequeue_count": details.get("DequeueCount")},
        )

    def _journal_end(self, fn: FunctionInfo, result: InvocationResult, cid: str, details: dict[str, Any]) -> None:
        data: dict[str, Any] = {
            "trigger": fn.trigger_kind,
            "duration_ms": round(result.duration_ms, 3),
            "outputs": [o.to_dict() for o in result.outputs],
        }
        if result.error is not None:
            data["error"] = f"{type(result.error).__name__}: {result.error}"
            data["traceback"] = truncate("".join(traceback.format_exception(result.error)))
        failed = _failed_outcome(result)
        if failed is not None:
            data["error"], data["outcome"] = failed
        self._journal(
            "invocation.end",
            function=fn.name,
            queue=_trigger_queue(fn),
            status="failed" if failed is not None else _status(result),  # data["outcome"] says how
            invocation_id=result.invocation_id,
            correlation_id=cid,
            message_id=details.get("Id"),
            data=data,
        )

    async def close(self) -> None:
        """Close storage clients and the thread pool (threads still running are not waited for); this invoker's
        sink leaves the runtime (the process's own, under azure-functions-runtime, outlives the host)."""
        self.runtime.sinks.remove(self._on_event)
        await self.clients.close()
        await self.tables.close()
        self._executor.shutdown(wait=False, cancel_futures=True)


def _note_failure(event: Event, scope: InvocationScope) -> None:
    """The framework gave up on the message, or scheduled its retry, inside the invocation ``scope``."""
    data = event.data
    if event.kind == "message.dead_lettered":
        scope.failures.append(f"dead-lettered to {data.get('queue')}: {data.get('error_message')}")
    elif event.kind == "processing.retry":
        where = f"on {data['queue']} " if data.get("queue") else ""
        scope.failures.append(
            f"retry {data.get('attempt')} scheduled {where}in {data.get('delay_s')} s: {data.get('error_message')}"
        )


def _failed_outcome(result: InvocationResult) -> tuple[str, str] | None:
    """Why a function that returned normally still failed, and how (``retry``, ``dead_lettered``, ``http``): the
    framework's verdict, or an HTTP 4xx/5xx answer."""
    if not result.ok:
        return None
    scope = current_invocation.get()
    if scope is not None and scope.failures:
        how = "dead_lettered" if any(f.startswith("dead-lettered") for f in scope.failures) else "retry"
        return "; ".join(scope.failures), how
    response = result.http_response
    if response is None or response.status_code < 400:
        return None
    body = response.get_body()[:200].decode("utf-8", errors="replace")
    return (f"HTTP {response.status_code}: {body}" if body else f"HTTP {response.status_code}"), "http"


def _trigger_queue(fn: FunctionInfo) -> str | None:
    """The trigger's queue with ``%Setting%`` resolved, as the poller reads it (None for other triggers)."""
    raw = fn.trigger.settings.get("queueName")
    if raw is None:
        return None
    try:
        return bindings.queue_name(str(raw), where=fn.name)
    except ExchangeError:
        return str(raw)


def _executed(fn: FunctionInfo, result: InvocationResult, outcome: str) -> str:
    return f"Executed 'Functions.{fn.name}' ({outcome}, Id={result.invocation_id}, Duration={result.duration_ms:.0f}ms)"


def _log_end(fn: FunctionInfo, result: InvocationResult) -> None:
    """One line per invocation, as ``func start`` prints it; the traceback stays in the journal (and DEBUG)."""
    if result.error is None:
        if fn_log.isEnabledFor(logging.INFO):  # on the hot path: format only when someone reads it
            fn_log.info(_executed(fn, result, "Succeeded"))
        return
    fn_log.error(f"{_executed(fn, result, 'Failed')}: {type(result.error).__name__}: {result.error}")
    fn_log.debug("traceback of %s", result.invocation_id, exc_info=result.error)


def _status(result: InvocationResult) -> str:
    if result.ok:
        return "ok"
    if isinstance(result.error, asyncio.CancelledError):
        return "cancelled"
    return "timeout" if result.timed_out else "error"


def _text(body: bytes) -> str:
    return truncate(body.decode("utf-8", errors="replace"))


def _signature(fn: FunctionInfo) -> Signature:
    """The worker's view of ``fn``'s parameters (a FunctionInfo built by hand, without indexing, has none)."""
    if fn.signature is not None:
        return fn.signature
    returned = next((ParamType(b.type) for b in fn.bindings if b.name == "$return"), None)
    return Signature(returns=returned)


def _warn_dict_to_queue(where: str, value: dict[Any, Any]) -> None:
    """azure.functions' queue converter iterates a dict: its keys become the messages (Azure does the same)."""
    fn_log.warning(
        "%s: a dict was set on a queue output; azure.functions' queue converter iterates it, so its keys %s are "
        "sent as %d message(s), as on Azure. Set json.dumps(value) to send the object as one JSON message.",
        where,
        list(value)[:5],
        len(value),
    )
