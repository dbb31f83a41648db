"""The slice of the host that trigger runners use, as structural types.

The timer runner and the HTTP server need only this much of ``emulator.host.Host`` and
``emulator.invocation.Invoker``: typing against these protocols keeps them testable with any real invoker and
keeps the modules free of import cycles with the host.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from emulator.functions import FunctionInfo


class InvocationOutcome(Protocol):
    """What an invocation reports back (``emulator.invocation.InvocationResult``)."""

    invocation_id: str
    function: str
    ok: bool
    duration_ms: float
    return_value: Any
    #: The HTTP response from ``$return`` (http binding) or a ``func.Out[func.HttpResponse]``.
    http_response: Any
    error: BaseException | None


class Invoker(Protocol):
    """Runs one function with one trigger value (``emulator.invocation.Invoker``)."""

    async def invoke(
        self,
        fn: FunctionInfo,
        trigger_value: Any,
        *,
        trigger_details: dict[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> InvocationOutcome:
        """Call the function, honour its output bindings, journal the outcome."""
        ...


class HostLike(Protocol):
    """The running host as runners see it (``emulator.host.Host``)."""

    @property
    def invoker(self) -> Invoker: ...

    @property
    def functions(self) -> Sequence[FunctionInfo]: ...

    @property
    def deployment(self) -> Any: ...
