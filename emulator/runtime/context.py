"""The ``context: func.Context`` argument the worker passes to a function that declares it.

Shaped as the Python worker builds it (``azure_functions_worker/bindings``) from what the host sends:

- ``trace_context``: the W3C trace context of the host's activity for this invocation. An HTTP request that
  carries a valid ``traceparent`` continues the caller's trace (same trace id and flags, a new span id) with its
  ``tracestate``; any other invocation starts a new trace (not sampled: flags ``00``, as an activity no listener
  records). The worker offers ``trace_parent``/``trace_state``/``attributes`` and the older ``Traceparent``/
  ``Tracestate``/``Attributes``. Attributes are empty locally: the host fills them only when Application Insights'
  agent or OpenTelemetry is switched on.
- ``retry_context``: ``retry_count`` and ``max_retry_count`` (0 and 0 without a retry policy; with one, 0 and the
  policy's maximum on the first run, then 1, 2, ...) and ``rpc_exception``, the previous attempt's failure. The
  worker's object has no ``exception`` attribute, so neither has this one.
"""

from __future__ import annotations

import re
import secrets
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func

#: A W3C ``traceparent`` as .NET's Activity accepts one: lower-case hex, any version but ``ff``, exactly 55 chars.
_TRACEPARENT = re.compile(r"(?!ff)[0-9a-f]{2}-(?P<trace>[0-9a-f]{32})-(?P<span>[0-9a-f]{16})-(?P<flags>[0-9a-f]{2})")


class TraceContext:
    """The W3C trace context of one invocation, with both the current and the older property names."""

    def __init__(self, trace_parent: str, trace_state: str = "", attributes: dict[str, str] | None = None) -> None:
        self._parent, self._state, self._attributes = trace_parent, trace_state, dict(attributes or {})

    @classmethod
    def for_request(cls, headers: Mapping[str, str] | None) -> TraceContext:
        """The context of an invocation: continuing a valid incoming ``traceparent``, else a new trace."""
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        found = _TRACEPARENT.fullmatch(lowered.get("traceparent", ""))
        if found is None or set(found["trace"]) == {"0"} or set(found["span"]) == {"0"}:
            return cls(f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00")
        return cls(f"00-{found['trace']}-{secrets.token_hex(8)}-{found['flags']}", lowered.get("tracestate", ""))

    @property
    def trace_parent(self) -> str:
        """The ``traceparent`` value of the host's activity."""
        return self._parent

    @property
    def trace_state(self) -> str:
        """The ``tracestate`` value (the caller's, or empty)."""
        return self._state

    @property
    def attributes(self) -> dict[str, str]:
        """The activity's tags (empty locally)."""
        return self._attributes

    # The worker's deprecated upper-case names, still what many apps (and the OpenTelemetry docs) use.
    @property
    def Traceparent(self) -> str:
        """Deprecated name of :attr:`trace_parent`."""
        return self._parent

    @property
    def Tracestate(self) -> str:
        """Deprecated name of :attr:`trace_state`."""
        return self._state

    @property
    def Attributes(self) -> dict[str, str]:
        """Deprecated name of :attr:`attributes`."""
        return self._attributes


@dataclass(frozen=True)
class RpcException:
    """The previous attempt's failure as the host forwards it (empty strings when there was none)."""

    message: str = ""
    stack_trace: str = ""
    source: str = ""

    @classmethod
    def of(cls, error: BaseException | None, function: str) -> RpcException:
        """The forwarded form of ``error``."""
        if error is None:
            return cls()
        stack = "".join(traceback.format_tb(error.__traceback__))
        return cls(f"{type(error).__name__}: {error}", stack, function)


@dataclass(frozen=True)
class RetryContext:
    """Where this invocation stands in its function's retry policy."""

    #: Retries so far (0 on the first run).
    retry_count: int = 0
    #: The policy's maximum (-1: forever; 0 without a policy).
    max_retry_count: int = 0
    #: The previous attempt's failure.
    rpc_exception: RpcException = field(default_factory=RpcException)


class InvocationContext(func.Context):
    """The context of one invocation."""

    _local = threading.local()

    def __init__(
        self,
        invocation_id: str,
        function_name: str,
        function_directory: str,
        *,
        trace: TraceContext | None = None,
        retry: RetryContext | None = None,
    ) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = function_directory
        self._trace = trace or TraceContext.for_request(None)
        self._retry = retry or RetryContext()

    @property
    def invocation_id(self) -> str:
        """The invocation's id (as in the journal)."""
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        """Thread-local storage, as the worker offers it."""
        return self._local

    @property
    def function_name(self) -> str:
        """The function's name."""
        return self._function_name

    @property
    def function_directory(self) -> str:
        """The deployment folder."""
        return self._function_directory

    @property
    def trace_context(self) -> TraceContext:  # type: ignore[override]
        """The distributed tracing context."""
        return self._trace

    @property
    def retry_context(self) -> RetryContext:  # type: ignore[override]
        """The retry context."""
        return self._retry
