"""The databases of the runtime in force, by URL.

Each :class:`framework.runtime.Runtime` owns a :class:`Databases` (one :class:`~framework.db.Database` per URL,
made on first request): a host makes its own runtime, so its own databases, and disposes them when it stops; code
that runs outside any host (the Azure worker, a script) uses the process's runtime. Services and
:class:`~framework.ProcessorContext` made without a database call :func:`get_database`, so they follow the runtime
in force. To point code at other databases without a host, run it under
``runtime_context(Runtime(databases=Databases(...)))``. Nothing here connects: a database connects, and gets its
schema, on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from framework.context import current_runtime
from framework.runtime import Databases

if TYPE_CHECKING:
    from framework.db import Database

__all__ = ["Databases", "close_databases", "current_databases", "get_database", "import_all_models"]


def current_databases() -> Databases:
    """The :class:`Databases` of the runtime in force."""
    return current_runtime().databases


def get_database(url: str | None = None) -> Database:
    """The database for ``url`` (default ``DATABASE_URL``) of the runtime in force; it connects on first use."""
    return current_databases().get(url)


def close_databases() -> None:
    """Dispose and forget every database of the runtime in force."""
    current_databases().close()


def import_all_models() -> None:
    """Register the framework's tables on their metadata. Connects to nothing and creates nothing.

    Kept for the pattern ``import_all_models()`` at the top of ``function_app.py``: the schema is migrated (locally)
    or checked (on Azure) when the database is first used, never while the worker indexes the app.
    """
    import framework.models  # noqa: F401  (registers the tables on the metadata)
