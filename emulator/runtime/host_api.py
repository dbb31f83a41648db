"""The slice of the host that trigger runners use, as a structural type.

The timer runner and the HTTP server need only ``invoker``, ``functions`` and ``deployment`` of
``emulator.runtime.host.Host``; typing against this protocol keeps them free of an import cycle with the host (which
imports the runners) and lets tests start a runner from the same three parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from emulator.app.deployment import Deployment
from emulator.app.functions import FunctionInfo
from emulator.runtime.invocation import Invoker


class HostLike(Protocol):
    """The running host as runners see it."""

    @property
    def invoker(self) -> Invoker: ...

    @property
    def functions(self) -> Sequence[FunctionInfo]: ...

    @property
    def deployment(self) -> Deployment: ...
