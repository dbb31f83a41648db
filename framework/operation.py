"""``@operation("name")``: timing, logging, metrics, events and a correlation id for a function or method.

The correlation id comes from :mod:`framework.context`: the one in force is kept (so nested operations, threads
started with ``contextvars.copy_context()`` and asyncio tasks share it), and a new one is started when none is.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar, cast

from framework import events
from framework.context import correlation_context
from framework.errors import ConfigurationError
from framework.metrics import registry

P = ParamSpec("P")
R = TypeVar("R")

_log = logging.getLogger("framework.operation")


class _Outcome:
    """What the tracked call returned: a failed ProcessingResult makes a failed operation, as a raise does."""

    def __init__(self) -> None:
        self.error: str | None = None

    def returned(self, value: R) -> R:
        if getattr(value, "success", None) is False and hasattr(value, "error_message"):
            self.error = str(getattr(value, "error_code", None) or getattr(value, "error_message", None) or "failed")
        return value


@contextmanager
def _tracked(name: str) -> Iterator[_Outcome]:
    """Run the block as operation ``name``: log, emit and record its start, end and duration."""
    with correlation_context() as correlation_id:
        _log.debug("operation %s started [%s]", name, correlation_id)
        events.emit("operation.start", operation=name)
        start = time.perf_counter()
        ok = False
        outcome = _Outcome()
        error: str | None = None
        try:
            yield outcome
            error = outcome.error
            ok = error is None
        except BaseException as exc:
            error = type(exc).__name__
            raise
        finally:
            duration_ms = (time.perf_counter() - start) * 1000
            registry.record(name, duration_ms, ok)
            events.emit("operation.end", operation=name, duration_ms=round(duration_ms, 3), ok=ok, error=error)
            level = logging.DEBUG if ok else logging.WARNING
            _log.log(
                level,
                "operation %s %s in %.1f ms [%s]",
                name,
                "ok" if ok else f"failed ({error})",
                duration_ms,
                correlation_id,
            )


def operation(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Track every call of the decorated function (sync or async, plain or method) as operation ``name``."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigurationError(
            f"@operation needs a non-empty name, got {name!r}.",
            hint='name it after what it does: @operation("orders.import")',
        )

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        if inspect.iscoroutinefunction(fn):
            async_fn = cast(Callable[P, Awaitable[Any]], fn)

            @functools.wraps(fn)
            async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
                with _tracked(name) as outcome:
                    return outcome.returned(await async_fn(*args, **kwargs))

            return cast(Callable[P, R], async_wrapper)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with _tracked(name) as outcome:
                return outcome.returned(fn(*args, **kwargs))

        return wrapper

    return decorate
