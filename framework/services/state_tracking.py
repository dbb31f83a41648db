"""The audit trail of processing states: which message (or entity) went from which state to which, when."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from framework.context import current_correlation_id
from framework.entities import canonical_json
from framework.events import emit
from framework.models import StateTransitionRow
from framework.services._base import Service, ensure_tenant, require_tenant
from framework.states import ProcessingState, StateTransition


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
        tenant_id = require_tenant("record_transition")
        ensure_tenant(self.database, tenant_id)
        row = StateTransitionRow(
            tenant_id=tenant_id,
            entity_id=entity_id,
            message_id=message_id,
            correlation_id=current_correlation_id(),
            processor=processor,
            from_state=str(from_state) if from_state is not None else None,
            to_state=str(to_state),
            details=json.loads(canonical_json(details or {})),
        )
        with self.database.session() as session:
            session.add(row)
        emit(
            "state.transition",
            message_id=message_id,
            from_state=row.from_state,
            to_state=row.to_state,
            entity_id=entity_id,
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
