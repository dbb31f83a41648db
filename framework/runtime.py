"""The runtime: the one object that owns what used to be process-wide — event sinks, metrics, the queue transport.

A host makes one :class:`Runtime` and puts it in force with :func:`framework.context.runtime_context` around every
invocation; code that runs outside any host (on Azure, in a unit test) gets the process's default runtime. Two
hosts in one process therefore see neither each other's sinks, nor metrics, nor queue clients.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from framework.metrics import MetricsRegistry

if TYPE_CHECKING:
    from framework.events import Event
    from framework.transport import QueueTransport

Sink = Callable[["Event"], None]


class EventSinks:
    """The sinks events go to (thread-safe). Copy on write: adding or removing one builds a new tuple, so
    :meth:`snapshot` — called for every event — takes no lock and copies nothing."""

    def __init__(self, sinks: list[Sink] | None = None) -> None:
        self._sinks: tuple[Sink, ...] = tuple(sinks or ())
        self._lock = threading.Lock()

    def add(self, sink: Sink) -> None:
        """Send every event from now on to ``sink`` too."""
        with self._lock:
            self._sinks = (*self._sinks, sink)

    def remove(self, sink: Sink) -> None:
        """Stop sending events to ``sink`` (its first registration, if it was added twice)."""
        with self._lock:
            sinks = list(self._sinks)
            if sink in sinks:
                sinks.remove(sink)
                self._sinks = tuple(sinks)

    def snapshot(self) -> tuple[Sink, ...]:
        """The sinks now (immutable: later changes do not show in it)."""
        return self._sinks


class Runtime:
    """Event sinks, metrics and the queue transport of one host (or of the process, by default)."""

    def __init__(self, *, transport: QueueTransport | None = None, sinks: list[Sink] | None = None) -> None:
        #: Where :func:`framework.events.emit` sends events.
        self.sinks = EventSinks(sinks)
        #: Counts and durations recorded by ``@operation`` and the handler.
        self.metrics = MetricsRegistry()
        self._transport = transport
        self._lock = threading.Lock()

    @property
    def transport(self) -> QueueTransport:
        """How processor outputs, retries and dead letters reach a queue (default: the storage account in
        settings, through :class:`framework.transport.StorageQueueTransport`)."""
        with self._lock:
            if self._transport is None:
                from framework.transport import StorageQueueTransport

                self._transport = StorageQueueTransport()
            return self._transport

    def set_transport(self, transport: QueueTransport) -> None:
        """Send through ``transport`` from now on (a host installs its own when it starts)."""
        with self._lock:
            self._transport = transport

    def close(self) -> None:
        """Release the transport's clients."""
        with self._lock:
            transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()


_default: Runtime | None = None
_default_lock = threading.Lock()


def default_runtime() -> Runtime:
    """The runtime of code that runs under no host: on Azure, the worker process's one runtime."""
    global _default
    runtime = _default
    if runtime is not None:  # the hot path (every event and metric): no lock once it exists
        return runtime
    with _default_lock:
        if _default is None:
            _default = Runtime()
        return _default
