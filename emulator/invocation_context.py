"""The ``context: func.Context`` argument the worker passes to a function that declares it.

``func.Context`` and its trace/retry parts are abstract in azure-functions; these are small concrete ones with the
values the real worker gives: the invocation id, the function's name and folder, a W3C trace parent.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

import azure.functions as func
from azure.functions import _abc


class TraceContext(_abc.TraceContext):
    """A fresh W3C trace context per invocation."""

    def __init__(self) -> None:
        self._parent = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"

    @property
    def trace_parent(self) -> str:
        """The ``traceparent`` header value."""
        return self._parent

    @property
    def trace_state(self) -> str:
        """The ``tracestate`` header value (empty)."""
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        """Trace attributes (none)."""
        return {}


class RetryContext(_abc.RetryContext):
    """Retry policies (``@app.retry``) are not run by the emulator: always the first try."""

    @property
    def retry_count(self) -> int:
        """Retries so far."""
        return 0

    @property
    def max_retry_count(self) -> int:
        """Retries allowed."""
        return 0

    @property
    def exception(self) -> Any:
        """The last retry's exception (none)."""
        return None


class InvocationContext(func.Context):
    """The context of one invocation."""

    _local = threading.local()

    def __init__(self, invocation_id: str, function_name: str, function_directory: str) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = function_directory
        self._trace = TraceContext()
        self._retry = RetryContext()

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
    def trace_context(self) -> TraceContext:
        """The distributed tracing context."""
        return self._trace

    @property
    def retry_context(self) -> RetryContext:
        """The retry context."""
        return self._retry
