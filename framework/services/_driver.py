"""The entity write path's INSERTs, compiled once per dialect and sent as driver SQL.

Why: a Core ``connection.execute(insert, values)`` spends more time in SQLAlchemy (cache key, compiled-cache lookup,
parameter processing, result set-up) than SQLite spends writing the row, and the handler's path runs three of them
per message. Here SQLAlchemy still writes the SQL (the dialect's own, ``ON CONFLICT``, PostgreSQL's bind casts) and
still converts every value (its bind processors: JSON, UTC timestamps), once per statement shape, and the statement
runs through :meth:`sqlalchemy.engine.Connection.exec_driver_sql`: driver errors are wrapped as usual
(``IntegrityError``) and the engine's ``handle_error`` hooks still see them. Rows written this way are the rows a
Core insert writes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

#: Statement options: keep the INSERT's rowcount (an ``ON CONFLICT DO NOTHING`` insert tells by it if it wrote).
_OPTIONS = {"preserve_rowcount": True}


@dataclass(frozen=True, slots=True)
class DriverInsert:
    """One INSERT of ``rows`` rows of ``columns``, in the dialect's SQL and parameter style."""

    #: The SQL text, as the dialect writes it.
    sql: str
    #: For each driver parameter, in order: (row, column, converter or None).
    slots: tuple[tuple[int, str, Callable[[Any], Any] | None], ...]
    #: The bind names, for the named parameter styles; None for positional ones.
    names: tuple[str, ...] | None

    def execute(self, connection: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert ``rows`` (as many as the statement was built for); returns the driver's rowcount."""
        values = [
            rows[row][column] if convert is None else convert(rows[row][column]) for row, column, convert in self.slots
        ]
        params: Any = tuple(values) if self.names is None else dict(zip(self.names, values, strict=True))
        return connection.exec_driver_sql(self.sql, params, execution_options=_OPTIONS).rowcount


@functools.lru_cache(maxsize=256)
def driver_insert(
    template: sa.Insert, table: sa.Table, columns: tuple[str, ...], rows: int, dialect: sa.Dialect
) -> DriverInsert:
    """``template`` (``sa.insert(table)``, or a dialect's ``ON CONFLICT`` variant of it) for ``rows`` rows of
    ``columns``, compiled for ``dialect`` (the engine's own object: its JSON serializer is the one used)."""
    binds = [{name: sa.bindparam(f"{name}_{i}", type_=table.c[name].type) for name in columns} for i in range(rows)]
    statement = template.values(binds) if rows > 1 else template.values(binds[0])
    compiled = statement.compile(dialect=dialect)
    order = compiled.positiontup if compiled.positional else list(compiled.binds)
    assert order is not None
    slots = []
    for name in order:
        column, _, row = name.rpartition("_")
        bind_type = compiled.binds[name].type.dialect_impl(dialect)
        convert: Callable[[Any], Any] | None = bind_type.bind_processor(dialect)
        if convert is not None and isinstance(bind_type, sa.JSON):
            convert = _empty_once(convert)
        slots.append((int(row), column, convert))
    return DriverInsert(compiled.string, tuple(slots), None if compiled.positional else tuple(order))


def _empty_once(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` (a JSON bind processor) with its answer for ``{}`` made once: most attributes, metadata and
    details the framework writes are empty, and serialising each anew cost a ``json.dumps`` apiece."""
    empty = convert({})

    def process(value: Any) -> Any:
        return empty if type(value) is dict and not value else convert(value)

    return process
