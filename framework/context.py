"""The framework's context variables, all in one place: the tenant, the correlation id and the runtime in force.

Each is set with a token and reset in ``finally``, so nested use restores the outer value, and each flows into
threads started with ``contextvars.copy_context()`` and into asyncio tasks. The runtime in force
(:class:`framework.runtime.Runtime`) gives everything else that used to be process-wide: settings, event sinks,
metrics, the queue transport and the databases.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from framework.runtime import Runtime

P = ParamSpec("P")
R = TypeVar("R")

#: The tenant whose data the current code may see; None outside any tenant context.
_tenant_id: ContextVar[str | None] = ContextVar("exchange_tenant_id", default=None)
#: The id that ties together everything done for one message, across operations, threads and stages.
_correlation_id: ContextVar[str | None] = ContextVar("exchange_correlation_id", default=None)
#: The process's own runtime, for code that runs under no host: on Azure the worker process is the one host, so a
#: process-wide default is what the real runtime has too. Making it connects nothing (settings are read live).
_PROCESS_RUNTIME = Runtime()
#: The runtime of the host running the current code; the process's own outside any host.
_runtime: ContextVar[Runtime] = ContextVar("exchange_runtime", default=_PROCESS_RUNTIME)


def default_runtime() -> Runtime:
    """The runtime of code that runs under no host: on Azure, the worker process's one runtime."""
    return _PROCESS_RUNTIME


def current_runtime() -> Runtime:
    """The runtime in force: the host's (set by :func:`runtime_context`), else the process's default."""
    return _runtime.get()


def current_settings() -> Mapping[str, str]:
    """The app settings of the runtime in force (the process environment unless a host gave its own)."""
    return _runtime.get().settings


@contextmanager
def runtime_context(runtime: Runtime) -> Iterator[Runtime]:
    """Run the block (and threads started from it with ``copy_context``) under ``runtime``."""
    token = _runtime.set(runtime)
    try:
        yield runtime
    finally:
        _runtime.reset(token)


def current_tenant_id() -> str | None:
    """The tenant in force, or None."""
    return _tenant_id.get()


def current_correlation_id() -> str | None:
    """The correlation id in force, or None."""
    return _correlation_id.get()


def new_correlation_id() -> str:
    """A fresh correlation id."""
    return uuid.uuid4().hex


@contextmanager
def correlation_context(correlation_id: str | None = None) -> Iterator[str]:
    """Run the block under ``correlation_id`` (a new one when None and none is in force)."""
    value = correlation_id or _correlation_id.get() or new_correlation_id()
    token = _correlation_id.set(value)
    try:
        yield value
    finally:
        _correlation_id.reset(token)


@contextmanager
def _tenant_block(tenant_id: str) -> Iterator[str]:
    token = _tenant_id.set(tenant_id)
    try:
        yield tenant_id
    finally:
        _tenant_id.reset(token)


class tenant_context:
    """Scope the block (or the decorated function) to ``tenant_id``; nests and restores the outer tenant."""

    def __init__(self, tenant_id: str) -> None:
        if not tenant_id or not isinstance(tenant_id, str):
            from framework.errors import ConfigurationError

            raise ConfigurationError(f"tenant_context needs a non-empty tenant id, got {tenant_id!r}.")
        self.tenant_id = tenant_id
        self._tokens: list[object] = []

    def __enter__(self) -> str:
        self._tokens.append(_tenant_id.set(self.tenant_id))
        return self.tenant_id

    def __exit__(self, *exc: object) -> None:
        _tenant_id.reset(self._tokens.pop())  # type: ignore[arg-type]

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        import functools

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with _tenant_block(self.tenant_id):
                return fn(*args, **kwargs)

        return wrapper
