"""Which databases a process (or one host inside it) uses, by URL, and the set in force.

A :class:`Databases` is an ordinary object: make one per host or test and put it in force with
:func:`use_databases` (a context manager that restores the outer one); code that runs outside any (the Azure
worker, a script) uses the process's own, which is the context variable's default. Services and
:class:`~framework.ProcessorContext` made without a database call :func:`get_database`, so they follow the set in
force. Nothing here connects: a database connects, and gets its schema, on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from framework.db import Database, SchemaPolicy, resolve_database_url
from framework.hosting import running_on_azure

__all__ = ["Databases", "close_databases", "current_databases", "get_database", "import_all_models", "use_databases"]


class Databases:
    """One :class:`~framework.db.Database` per resolved URL, each made on first request."""

    def __init__(self) -> None:
        self._by_url: dict[str, Database] = {}
        self._lock = threading.Lock()

    def get(self, url: str | None = None) -> Database:
        """The database for ``url`` (resolved as :func:`~framework.db.resolve_database_url`); no connection yet.

        Its schema is migrated on first use locally and only checked on Azure, where migrations are a release
        step (``python -m framework.migrate upgrade``) and not something every scaled-out instance races to do.
        """
        resolved = resolve_database_url(url)
        with self._lock:
            database = self._by_url.get(resolved)
            if database is None:
                policy: SchemaPolicy = "verify" if running_on_azure() else "migrate"
                database = self._by_url[resolved] = Database(resolved, schema=policy)
        return database

    def close(self) -> None:
        """Dispose and forget every database (at shutdown, and between tests)."""
        with self._lock:
            for database in self._by_url.values():
                database.dispose()
            self._by_url.clear()


#: The set in force; the default is the process's own, for code that runs outside any host.
# One shared default is the point here (the process's own set), hence B039.
_in_force: ContextVar[Databases] = ContextVar("exchange_databases", default=Databases())  # noqa: B039


def current_databases() -> Databases:
    """The :class:`Databases` in force."""
    return _in_force.get()


@contextmanager
def use_databases(databases: Databases) -> Iterator[Databases]:
    """Put ``databases`` in force for the block (and the threads and tasks started with its context)."""
    token = _in_force.set(databases)
    try:
        yield databases
    finally:
        _in_force.reset(token)


def get_database(url: str | None = None) -> Database:
    """The database for ``url`` (default ``DATABASE_URL``) in the set in force; it connects on first use."""
    return current_databases().get(url)


def close_databases() -> None:
    """Dispose and forget every database of the set in force."""
    current_databases().close()


def import_all_models() -> None:
    """Register the framework's tables on their metadata. Connects to nothing and creates nothing.

    Kept for the pattern ``import_all_models()`` at the top of ``function_app.py``: the schema is migrated (locally)
    or checked (on Azure) when the database is first used, never while the worker indexes the app.
    """
    import framework.models  # noqa: F401  (registers the tables on the metadata)
