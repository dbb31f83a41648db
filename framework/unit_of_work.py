"""One transaction for everything one processing attempt writes to one database.

Inside ``with unit_of_work(database):`` every ``database.session()`` opened in the same thread joins the unit's
transaction instead of committing on its own, and rows added by several services go to the database in one flush.
The handler runs each attempt in a unit: the entity, its version and the message's state transitions commit
together (one commit instead of four), and a failed attempt leaves nothing half-written. A write that fails
inside a unit fails the whole unit (there are no savepoints, they cost a round trip each): the handler then
retries the attempt in a fresh transaction.

Events that services emit after their writes (``entity.persisted``, ``state.transition``) are emitted before the
unit commits. Only the same ``Database`` object and the same thread join: a thread started by a processor gets its
own transactions, as sessions are not thread-safe. The unit itself is :meth:`framework.db.Database.unit`; this
module only names it (and imports nothing of ``framework.db`` at run time, so there is no cycle).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from framework.db import Database


def joined_session(database: Database) -> Session | None:
    """The session of the unit of work in force for ``database`` in this thread, or None."""
    return database.joined_session()


def unit_of_work(database: Database) -> AbstractContextManager[None]:
    """Run the block in one transaction of ``database``: committed at the end, rolled back if it raises."""
    return database.unit()
