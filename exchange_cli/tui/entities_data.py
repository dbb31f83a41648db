"""The entity database as the Entities view reads it: listings, versions with diffs, transitions and errors.

Calls the framework's own services (never raw SQL), each read in a short transaction of its own, so the workers
writing the same database wait at most a few milliseconds for the TUI.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framework.db import Database
    from framework.entities import Entity, EntityVersion
    from framework.states import ProcessingErrorRecord, StateTransition

#: How many entities a listing shows.
LIST_LIMIT = 500


@dataclass(frozen=True)
class EntityFilter:
    """Which entities to list (empty: any)."""

    tenant_id: str = ""
    canonical_type: str = ""
    source: str = ""


@dataclass
class EntityHistory:
    """One entity with everything the detail screen shows."""

    entity: Entity
    versions: list[EntityVersion] = field(default_factory=list)
    transitions: list[StateTransition] = field(default_factory=list)
    errors: list[ProcessingErrorRecord] = field(default_factory=list)


def pretty(content: dict[str, Any]) -> str:
    """Canonical, readable JSON for display and diffs."""
    return json.dumps(content, indent=2, sort_keys=True, default=str)


def version_diff(older: EntityVersion | None, newer: EntityVersion) -> str:
    """A unified diff of the two versions' content (all lines added for the first version)."""
    before = pretty(older.content).splitlines() if older is not None else []
    after = pretty(newer.content).splitlines()
    old_name = f"v{older.version}" if older is not None else "nothing"
    return "\n".join(difflib.unified_diff(before, after, old_name, f"v{newer.version}", lineterm=""))


class EntityReader:
    """Reads one database; opened lazily (the database may not exist when the TUI starts)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._database: Database | None = None

    def missing_file(self) -> Path | None:
        """The SQLite file this reads when it does not exist yet (the first stored entity creates it), else None.

        Reading must not create it: the workers create the schema they need, the TUI only looks.
        """
        from emulator.client.inspect import sqlite_file

        path = sqlite_file(self.url)
        return path if path is not None and not path.exists() else None

    @property
    def database(self) -> Database:
        """The database, its schema created if missing (as the workers would)."""
        if self._database is None:
            from framework.db import Database

            self._database = Database(self.url)
            self._database.create_schema()
        return self._database

    def list(self, wanted: EntityFilter, limit: int = LIST_LIMIT) -> list[Entity]:
        """Entities of every tenant (or of the filter's), newest first."""
        from framework.services import EntityService

        return EntityService(self.database).list_all_entities(
            tenant_id=wanted.tenant_id or None,
            canonical_type=wanted.canonical_type or None,
            source=wanted.source or None,
            limit=limit,
        )

    def history(self, entity: Entity) -> EntityHistory:
        """The entity's versions, state transitions and errors (read in its tenant)."""
        from framework.context import tenant_context
        from framework.services import EntityService, ProcessingErrorService, StateTrackingService

        with tenant_context(entity.tenant_id):
            return EntityHistory(
                entity,
                EntityService(self.database).get_versions(entity.id),
                StateTrackingService(self.database).get_transitions(entity_id=entity.id),
                ProcessingErrorService(self.database).get_errors(entity_id=entity.id),
            )

    def close(self) -> None:
        """Release the database's connections."""
        if self._database is not None:
            self._database.dispose()
