"""Alembic's environment for the framework: migrations always run on a connection handed over by
:mod:`framework.schema` (which holds the lock and the transaction), never from an ini file's URL."""

from __future__ import annotations

from alembic import context

from framework.errors import ConfigurationError
from framework.models import Base

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise ConfigurationError(
        "framework migrations run only through framework.schema (online, on a connection).",
        hint="use `exchange db upgrade` or `python -m framework.migrate upgrade`",
    )
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite alters most things by copying the table: batch mode does that for ops that need it.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():  # joins the caller's transaction: no commit of its own
    context.run_migrations()
