"""What the emulator knows about a deployment's functions: the index built from the ``FunctionApp`` object.

The real Python worker indexes ``function_app.py`` by importing it and asking the ``azure.functions.FunctionApp``
for its functions and their function.json-shaped binding dicts; the emulator does the same and keeps the result in
these value types. Trigger runners (queue, timer, HTTP) and output bindings work from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from emulator.conversion.checks import Signature

Direction = Literal["in", "out", "inout"]


@dataclass(frozen=True)
class BindingInfo:
    """One binding of a function, as function.json would list it."""

    #: The parameter name, or ``"$return"`` for the return value.
    name: str
    #: The binding type: ``queueTrigger``, ``timerTrigger``, ``httpTrigger``, ``queue``, ``blob``, ``http``, ...
    type: str
    #: Whether data flows into the function, out of it, or both.
    direction: Direction
    #: The remaining function.json keys (``queueName``, ``connection``, ``path``, ``schedule``, ``route``,
    #: ``methods``, ``authLevel``, ``runOnStartup``, ``useMonitor``, ``dataType``, ...).
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def is_trigger(self) -> bool:
        """True for the function's trigger binding."""
        return self.type.endswith("Trigger")


@dataclass(frozen=True)
class FunctionInfo:
    """One function of a deployment, ready to be driven by a trigger runner."""

    #: The function name (``@app.function_name`` or the Python function's name).
    name: str
    #: The trigger binding.
    trigger: BindingInfo
    #: Every other binding (inputs and outputs, ``$return`` included).
    bindings: tuple[BindingInfo, ...]
    #: The user's Python callable.
    callable: Callable[..., Any]
    #: True for ``async def`` functions (run on the event loop; sync ones run in a thread pool).
    is_async: bool
    #: ``file:line`` of the function's definition, for messages.
    source: str
    #: Not run: switched off by ``AzureWebJobs.<name>.Disabled``, left out of host.json's ``functions`` list, or
    #: using a binding the emulator does not run (then ``not_run`` says which and why).
    disabled: bool = False
    #: True when the function declares a ``context`` parameter (it gets a ``func.Context``).
    wants_context: bool = False
    #: The ``@app.retry`` settings (``strategy``, ``max_retry_count``, intervals), None without a retry policy.
    retry: dict[str, Any] | None = None
    #: ``"<binding>, <why>"`` when the function uses a binding the emulator does not run (it is listed, not run).
    not_run: str | None = None

    @property
    def state(self) -> str:
        """``enabled``, ``disabled`` or ``not run locally: <binding>, <why>`` (as listed at start-up)."""
        if self.not_run is not None:
            return f"not run locally: {self.not_run}"
        return "disabled" if self.disabled else "enabled"

    #: How each parameter and the return value convert, as the worker's indexing found (None: not checked).
    signature: Signature | None = None

    @property
    def trigger_kind(self) -> str:
        """``queue``, ``timer``, ``http``, ``blob``, ... (the trigger type without ``Trigger``)."""
        return self.trigger.type.removesuffix("Trigger")

    def outputs(self) -> tuple[BindingInfo, ...]:
        """The output bindings, ``$return`` included."""
        return tuple(b for b in self.bindings if b.direction in ("out", "inout"))
