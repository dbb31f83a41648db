"""The runtime: the one object that owns what used to be process-wide — settings, event sinks, metrics, the queue
transport and the databases.

A host makes one :class:`Runtime` and puts it in force with :func:`framework.context.runtime_context` around every
invocation; code that runs outside any host (on Azure, in a unit test) gets the process's default runtime
(:func:`framework.context.default_runtime`). Two hosts in one process therefore see neither each other's sinks,
metrics, queue clients, databases nor settings.

This module holds the state objects only and imports nothing that reads the runtime in force, so that
:mod:`framework.context` can own the context variable without an import cycle.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from framework.event import Sink

if TYPE_CHECKING:
    from framework.db import Database
    from framework.transport import QueueTransport


class EventSinks:
    """The sinks events go to (thread-safe; iteration works on a copy)."""

    def __init__(self, sinks: list[Sink] | None = None) -> None:
        self._sinks: list[Sink] = list(sinks or [])
        self._lock = threading.Lock()

    def add(self, sink: Sink) -> None:
        """Send every event from now on to ``sink`` too."""
        with self._lock:
            self._sinks.append(sink)

    def remove(self, sink: Sink) -> None:
        """Stop sending events to ``sink``."""
        with self._lock:
            if sink in self._sinks:
                self._sinks.remove(sink)

    def snapshot(self) -> list[Sink]:
        """The sinks now (a copy)."""
        with self._lock:
            return list(self._sinks)


@dataclass
class OperationStats:
    """What has been measured of one operation."""

    #: Calls finished (successes and failures).
    count: int = 0
    #: Calls that raised.
    failures: int = 0
    #: Sum of durations, in milliseconds.
    total_ms: float = 0.0
    #: Longest duration, in milliseconds.
    max_ms: float = 0.0

    @property
    def mean_ms(self) -> float:
        """Mean duration in milliseconds (0 before any call)."""
        return self.total_ms / self.count if self.count else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "count": self.count,
            "failures": self.failures,
            "successes": self.count - self.failures,
            "total_ms": self.total_ms,
            "mean_ms": self.mean_ms,
            "max_ms": self.max_ms,
        }


class MetricsRegistry:
    """Counts and durations by operation name."""

    def __init__(self) -> None:
        self._stats: dict[str, OperationStats] = {}
        self._lock = threading.Lock()

    def record(self, name: str, duration_ms: float, ok: bool) -> None:
        """Add one finished call of ``name``."""
        with self._lock:
            stats = self._stats.setdefault(name, OperationStats())
            stats.count += 1
            stats.failures += 0 if ok else 1
            stats.total_ms += duration_ms
            stats.max_ms = max(stats.max_ms, duration_ms)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every operation's figures, as plain dicts (a copy)."""
        with self._lock:
            return {name: stats.to_dict() for name, stats in self._stats.items()}

    def reset(self) -> None:
        """Forget everything (tests call this)."""
        with self._lock:
            self._stats.clear()


class Databases:
    """One :class:`~framework.db.Database` per resolved URL, each made on first request; nothing connects here."""

    def __init__(self, settings: Mapping[str, str] | None = None) -> None:
        #: Where ``DATABASE_URL`` and the Azure markers are read (default: the process environment).
        self.settings: Mapping[str, str] = os.environ if settings is None else settings
        self._by_url: dict[str, Database] = {}
        self._lock = threading.Lock()

    def get(self, url: str | None = None) -> Database:
        """The database for ``url`` (resolved as :func:`~framework.db.resolve_database_url`); no connection yet.

        Its schema is migrated on first use locally and only checked on Azure, where migrations are a release
        step (``python -m framework.migrate upgrade``) and not something every scaled-out instance races to do.
        """
        from framework.db import Database, SchemaPolicy, resolve_database_url
        from framework.hosting import running_on_azure

        resolved = resolve_database_url(url, self.settings)
        with self._lock:
            database = self._by_url.get(resolved)
            if database is None:
                policy: SchemaPolicy = "verify" if running_on_azure(self.settings) else "migrate"
                database = self._by_url[resolved] = Database(resolved, schema=policy)
        return database

    def close(self) -> None:
        """Dispose and forget every database (at shutdown, and between tests)."""
        with self._lock:
            databases, self._by_url = list(self._by_url.values()), {}
        for database in databases:
            database.dispose()


class Runtime:
    """Settings, event sinks, metrics, the queue transport and the databases of one host (or of the process)."""

    def __init__(
        self,
        *,
        settings: Mapping[str, str] | None = None,
        transport: QueueTransport | None = None,
        sinks: list[Sink] | None = None,
        databases: Databases | None = None,
    ) -> None:
        #: The app settings the framework reads (``DATABASE_URL``, ``AzureWebJobsStorage``, ...); default: the
        #: process environment, read live. User code reading ``os.environ`` does not see a host's own mapping.
        self.settings: Mapping[str, str] = os.environ if settings is None else settings
        #: Where :func:`framework.events.emit` sends events.
        self.sinks = EventSinks(sinks)
        #: Counts and durations recorded by ``@operation`` and the handler.
        self.metrics = MetricsRegistry()
        #: The databases services and contexts made without one use (:func:`framework.databases.get_database`).
        self.databases = databases if databases is not None else Databases(self.settings)
        self._transport = transport
        self._lock = threading.Lock()

    @property
    def transport(self) -> QueueTransport:
        """How processor outputs, retries and dead letters reach a queue (default: the storage account in
        this runtime's settings, through :class:`framework.transport.StorageQueueTransport`)."""
        with self._lock:
            if self._transport is None:
                from framework.transport import StorageQueueTransport

                self._transport = StorageQueueTransport(settings=self.settings)
            return self._transport

    def set_transport(self, transport: QueueTransport) -> None:
        """Send through ``transport`` from now on (a host installs its own)."""
        with self._lock:
            self._transport = transport

    def close(self) -> None:
        """Release the transport's clients and dispose the databases."""
        with self._lock:
            transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
        self.databases.close()
