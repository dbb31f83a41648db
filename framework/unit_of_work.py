"""One transaction for everything one processing attempt writes to one database.

Inside ``with unit_of_work(database):`` every ``database.session()`` opened in the same thread joins the unit's
transaction instead of committing on its own, and rows added by several services go to the database in one flush.
The handler runs each attempt in a unit: the entity, its version and the message's state transitions commit
together (one commit instead of four), and a failed attempt leaves nothing half-written. A write that fails
inside a unit fails the whole unit (there are no savepoints, they cost a round trip each): the handler then
retries the attempt in a fresh transaction.

Events that services emit after their writes (``entity.persisted``, ``state.transition``) are emitted before the
unit commits. Only the same ``Database`` object and the same thread join: a thread started by a processor gets its
own transactions, as sessions are not thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from framework.db import Database


@dataclass(frozen=True)
class _Unit:
    database: Database
    session: Session
    thread: int


#: The unit of work in force, if any.
_current: ContextVar[_Unit | None] = ContextVar("exchange_unit_of_work", default=None)


def joined_session(database: Database) -> Session | None:
    """The session of the unit of work in force for ``database`` in this thread, or None."""
    unit = _current.get()
    if unit is None or unit.database is not database or unit.thread != threading.get_ident():
        return None
    return unit.session


@contextmanager
def unit_of_work(database: Database) -> Iterator[Session]:
    """Run the block in one transaction of ``database``: committed at the end, rolled back if it raises."""
    joined = joined_session(database)
    if joined is not None:  # already inside one: the outer unit commits
        yield joined
        return
    try:
        with database.session() as session:
            token = _current.set(_Unit(database, session, threading.get_ident()))
            try:
                yield session
            finally:
                _current.reset(token)
    except BaseException:
        # Rows the unit wrote are gone, tenant rows included: forget the tenants it may have cached as existing.
        database.known_tenants.clear()
        raise
