"""Invoking one function as the Python worker does: inputs in, the call (with a timeout), outputs out.

Every trigger runner (queue, timer, HTTP, the admin endpoint) calls :meth:`Invoker.invoke`. Sync functions run in
a thread pool with the caller's context variables, async ones on the event loop. ``functionTimeout`` is enforced;
a sync function cannot be stopped (Python threads cannot be killed), so it is reported as timed out and its thread
runs on, as with the real worker. Output bindings are delivered only when the function succeeds, as the host does.
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import azure.functions as func

from emulator import bindings
from emulator.deployment import HostConfig
from emulator.functions import BindingInfo, FunctionInfo
from emulator.host_transport import HostQueueTransport
from emulator.invocation_context import InvocationContext
from emulator.journal import InvocationScope, Journal, current_invocation, truncate
from emulator.storage_io import StorageClients, connection_for
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
    #: ``queue``, ``blob`` or ``http``.
    type: str
    #: The queue name, the ``container/blob`` path, or ``http``.
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


def _thread_count() -> int:
    """The worker's pool size: ``PYTHON_THREADPOOL_THREAD_COUNT``, else min(32, CPUs + 4) as in Python 3.9+."""
    configured = os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT", "")
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
    ) -> None:
        self.storage = storage
        self.config = config or HostConfig()
        self.journal = journal
        #: The framework runtime the functions run under (event sinks, metrics, queue transport of this host).
        self.runtime = runtime or Runtime()
        self.runtime.sinks.add(_note_failure)
        #: Called with a queue name after an output binding sent to it (wakes this host's poller of that queue).
        self.on_queue_sent = on_queue_sent
        self.clients = StorageClients()
        #: Every queue send of this host: output bindings, poison moves, and the framework's (through the runtime).
        self.transport = HostQueueTransport(
            self.clients, storage, encoding=self.config.queues.message_encoding, record=self.record, on_sent=self._sent
        )
        self._executor = ThreadPoolExecutor(max_workers=_thread_count(), thread_name_prefix="exchange-fn")

    async def invoke(
        self,
        fn: FunctionInfo,
        trigger_value: Any,
        *,
        trigger_details: dict[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> InvocationResult:
        """Call ``fn`` with ``trigger_value`` for its trigger argument; deliver its outputs if it succeeds."""
        details = trigger_details or {}
        invocation_id = str(uuid.uuid4())
        scope = current_invocation.set(InvocationScope(invocation_id, fn.name))
        try:
            with runtime_context(self.runtime), correlation_context(correlation_id) as cid:
                self._journal_start(fn, invocation_id, cid, details)
                started = time.perf_counter()
                result = InvocationResult(invocation_id, fn.name, ok=False, duration_ms=0.0)
                try:
                    await self._run(fn, trigger_value, details, result)
                finally:  # cancelled (the host is draining) or not, the journal says how it ended
                    result.duration_ms = (time.perf_counter() - started) * 1000
                    self._journal_end(fn, result, cid, details)
        finally:
            current_invocation.reset(scope)
        _log_end(fn, result)  # outside the invocation: the host's line, not one of the function's journaled logs
        return result

    async def _run(
        self, fn: FunctionInfo, trigger_value: Any, details: dict[str, Any], result: InvocationResult
    ) -> None:
        """Fill ``result``: arguments in, the call, outputs out; the function's exception is kept, not raised."""
        try:
            kwargs = await self._arguments(fn, trigger_value, details)
            if fn.wants_context:
                folder = str(Path(fn.source.rpartition(":")[0]).parent)
                kwargs["context"] = InvocationContext(result.invocation_id, fn.name, folder)
            outs = {name: value for name, value in kwargs.items() if isinstance(value, bindings.Out)}
            result.return_value = await self._call(fn, kwargs)
            result.outputs, result.http_response = await self._deliver(fn, result.return_value, outs, details)
            result.ok = True
        except Exception as exc:  # the function's own failure is the invocation's outcome, never the host's
            result.error = exc
            result.still_running = getattr(exc, "still_running", None)
        except asyncio.CancelledError as exc:
            result.error = exc
            raise

    async def _arguments(self, fn: FunctionInfo, trigger_value: Any, details: dict[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {fn.trigger.name: _as_annotated(fn, trigger_value)}
        for binding in fn.bindings:
            if binding.name == "$return":
                continue
            if binding.direction == "out":
                kwargs[binding.name] = bindings.Out()
            elif binding.type == "blob":
                kwargs[binding.name] = await self._blob_input(fn, binding, details)
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

    async def _blob_input(self, fn: FunctionInfo, binding: BindingInfo, details: dict[str, Any]) -> Any:
        where = f"function {fn.name}, blob input {binding.name!r}"
        path = bindings.resolve_expression(str(binding.settings.get("path", "")), details, where=where)
        found = await self.clients.read_blob(connection_for(binding.settings.get("connection"), self.storage), path)
        if found is None:
            return None
        data, props = found
        kind = _blob_input_kind(fn, binding)
        if kind is str:
            return data.decode("utf-8")
        if kind is bytes:
            return data
        from azure.functions.blob import InputStream  # the worker's concrete stream (func.InputStream is abstract)

        return InputStream(data=data, name=path, uri=props["uri"], length=props["length"], metadata=props["metadata"])

    async def _deliver(
        self, fn: FunctionInfo, returned: Any, outs: dict[str, bindings.Out[Any]], details: dict[str, Any]
    ) -> tuple[list[OutputRecord], func.HttpResponse | None]:
        records: list[OutputRecord] = []
        response: func.HttpResponse | None = None
        for binding in fn.outputs():
            value = (
                returned if binding.name == "$return" else outs[binding.name].get() if binding.name in outs else None
            )
            where = f"function {fn.name}, output {binding.name!r}"
            if binding.type == "queue":
                records.append(await self._send_queue(fn, binding, value, details, where))
            elif binding.type == "blob" and value is not None:
                records.append(await self._write_blob(binding, value, details, where))
            elif binding.type == "http":
                response = bindings.http_response(value, where=where) or response
                records.append(OutputRecord(binding.name, "http", "http", int(response is not None)))
        return records, response

    async def _send_queue(
        self, fn: FunctionInfo, binding: BindingInfo, value: Any, details: dict[str, Any], where: str
    ) -> OutputRecord:
        bodies = bindings.queue_bodies(value, where=where)
        queue = bindings.queue_name(str(binding.settings.get("queueName", "")), where=where, metadata=details)
        conn = connection_for(binding.settings.get("connection"), self.storage)
        encoding = self.config.queues.message_encoding
        try:
            texts = [encode_body(body, encoding) for body in bodies]
        except (MessageTooLargeError, MessageDecodeError) as exc:  # say which function and queue it was for
            raise bindings.BindingError(f"{where}, queue {queue!r}: {exc.message}", hint=exc.hint) from exc
        ids = await self.transport.send_texts(conn, queue, texts, [_text(body) for body in bodies])
        return OutputRecord(binding.name, "queue", queue, len(ids))

    async def _write_blob(self, binding: BindingInfo, value: Any, details: dict[str, Any], where: str) -> OutputRecord:
        path = bindings.resolve_expression(str(binding.settings.get("path", "")), details, where=where)
        data = bindings.blob_bytes(value, where=where)
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
        scope = current_invocation.get()
        if scope is not None:
            fields.setdefault("invocation_id", scope.invocation_id)
            fields.setdefault("function", scope.function)
        fields.setdefault("correlation_id", current_correlation_id())
        self.journal.record(kind, **fields)

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
        """Close storage clients and the thread pool (threads still running are not waited for)."""
        await self.clients.close()
        self._executor.shutdown(wait=False, cancel_futures=True)


def _note_failure(event: Event) -> None:
    """A runtime sink: the framework gave up on the message, or scheduled its retry, inside this invocation."""
    scope = current_invocation.get()
    if scope is None:
        return
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


@functools.cache
def _annotations(callable_: Callable[..., Any]) -> dict[str, Any]:
    import typing

    try:
        return typing.get_type_hints(callable_)
    except Exception:  # unresolvable string annotations: the worker falls back to the binding's dataType
        return {}


def _blob_input_kind(fn: FunctionInfo, binding: BindingInfo) -> type:
    """bytes, str or InputStream, as the worker picks from the annotation, then ``dataType``."""
    annotation = _annotations(fn.callable).get(binding.name)
    if annotation in (str, bytes):
        return annotation
    data_type = str(binding.settings.get("dataType", "")).lower()
    return {"string": str, "binary": bytes}.get(data_type, func.InputStream)


def _as_annotated(fn: FunctionInfo, value: Any) -> Any:
    """A queue message as the trigger parameter's annotation asks: the worker also gives ``str`` or ``bytes``."""
    if not isinstance(value, func.QueueMessage):
        return value
    annotation = _annotations(fn.callable).get(fn.trigger.name)
    if annotation is str:
        return value.get_body().decode("utf-8")
    if annotation is bytes:
        return value.get_body()
    return value
