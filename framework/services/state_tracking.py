"""The audit trail of processing states: which message (or entity) went from which state to which, when."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa

from framework.context import current_correlation_id
from framework.entities import canonical_json
from framework.events import emit, listening
from framework.models import StateTransitionRow, utcnow
from framework.services._base import Service, ensure_tenant, require_tenant
from framework.services._driver import driver_insert
from framework.states import ProcessingState, StateTransition, TransitionRecord

_TABLE = cast(sa.Table, StateTransitionRow.__table__)
_INSERT = sa.insert(_TABLE)
_COLUMNS = (
    "tenant_id",
    "entity_id",
    "message_id",
    "correlation_id",
    "processor",
    "from_state",
    "to_state",
    "details",
    "at",
)
#: Up to this many transitions go in one multi-row INSERT compiled once (a handler records three to five).
_DRIVER_ROWS = 16


class StateTrackingService(Service):
    """Records and reads state transitions of the current tenant."""

    def record_transition(
        self,
        message_id: str,
        to_state: ProcessingState | str,
        *,
        from_state: ProcessingState | str | None = None,
        entity_id: str | None = None,
        processor: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        """Record that ``message_id`` reached ``to_state``; emits ``state.transition`` once committed."""
        self.record_transitions(
            [TransitionRecord(message_id, str(to_state), from_state, entity_id, details)], processor
        )

    def record_transitions(self, transitions: Sequence[TransitionRecord], processor: str = "") -> None:
        """Record several transitions of ``processor`` in one statement, in order; emits one event for each."""
        tenant_id = require_tenant("record_transition")
        ensure_tenant(self.database, tenant_id)
        correlation_id = current_correlation_id()
        if not transitions:
            return
        now = utcnow()  # written together, so recorded at one time (their ids keep the order)
        rows = [
            {
                "tenant_id": tenant_id,
                "entity_id": t.entity_id,
                "message_id": t.message_id,
                "correlation_id": correlation_id,
                "processor": processor,
                "from_state": str(t.from_state) if t.from_state is not None else None,
                "to_state": str(t.to_state),
                "details": _normalised(t.details),
                "at": now,
            }
            for t in transitions
        ]
        with self.database.connection() as connection:
            if len(rows) <= _DRIVER_ROWS:
                driver_insert(_INSERT, _TABLE, _COLUMNS, len(rows), connection.dialect).execute(connection, rows)
            else:
                connection.execute(_INSERT, rows)
        if not listening():
            return
        for row in rows:
            emit(
                "state.transition",
                message_id=row["message_id"],
                from_state=row["from_state"],
                to_state=row["to_state"],
                entity_id=row["entity_id"],
                processor=processor,
            )

    def get_transitions(self, message_id: str | None = None, entity_id: str | None = None) -> list[StateTransition]:
        """The current tenant's transitions (of one message and/or entity), oldest first."""
        tenant_id = require_tenant("get_transitions")
        query = sa.select(StateTransitionRow).where(StateTransitionRow.tenant_id == tenant_id)
        if message_id is not None:
            query = query.where(StateTransitionRow.message_id == message_id)
        if entity_id is not None:
            query = query.where(StateTransitionRow.entity_id == entity_id)
        query = query.order_by(StateTransitionRow.at, StateTransitionRow.id)
        with self.database.session() as session:
            return [_transition(row) for row in session.scalars(query)]


#: Values stored as they are: canonical JSON would give them back unchanged.
_SCALARS = (str, int, float, bool, type(None))


def _normalised(details: dict[str, Any] | None) -> dict[str, Any]:
    """``details`` as stored: its canonical JSON read back. The handler's own details (an attempt number, a queue)
    are flat dicts of scalars with string keys, for which that is a sorted copy: skip the JSON round trip for them."""
    if not details:
        return {}
    if all(type(key) is str and type(value) in _SCALARS for key, value in details.items()):
        return dict(sorted(details.items()))
    normalised: dict[str, Any] = json.loads(canonical_json(details))
    return normalised


def _transition(row: StateTransitionRow) -> StateTransition:
    return StateTransition(
        tenant_id=row.tenant_id,
        message_id=row.message_id,
        to_state=row.to_state,
        from_state=row.from_state,
        entity_id=row.entity_id,
        correlation_id=row.correlation_id,
        processor=row.processor,
        details=dict(row.details),
        at=row.at,
    )
