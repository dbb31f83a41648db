"""Processing errors, recorded for diagnosis and for deciding on retries."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from framework.entities import canonical_json
from framework.models import ProcessingErrorRow
from framework.services._base import Service, ensure_tenant, require_tenant
from framework.states import ProcessingErrorRecord


class ProcessingErrorService(Service):
    """Records and reads processing errors of the current tenant."""

    def record_error(
        self,
        message_id: str,
        processor: str,
        error_type: str,
        error_message: str,
        *,
        error_code: str | None = None,
        entity_id: str | None = None,
        retryable: bool = False,
        attempt: int = 1,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Record an error met while ``processor`` processed ``message_id``."""
        tenant_id = require_tenant("record_error")
        ensure_tenant(self.database, tenant_id)
        row = ProcessingErrorRow(
            tenant_id=tenant_id,
            message_id=message_id,
            entity_id=entity_id,
            processor=processor,
            error_type=error_type,
            error_code=error_code,
            error_message=error_message,
            retryable=retryable,
            attempt=attempt,
            details=json.loads(canonical_json(details or {})),
        )
        with self.database.session() as session:
            session.add(row)

    def get_errors(self, message_id: str | None = None, entity_id: str | None = None) -> list[ProcessingErrorRecord]:
        """The current tenant's errors (of one message and/or entity), oldest first."""
        tenant_id = require_tenant("get_errors")
        query = sa.select(ProcessingErrorRow).where(ProcessingErrorRow.tenant_id == tenant_id)
        if message_id is not None:
            query = query.where(ProcessingErrorRow.message_id == message_id)
        if entity_id is not None:
            query = query.where(ProcessingErrorRow.entity_id == entity_id)
        query = query.order_by(ProcessingErrorRow.at, ProcessingErrorRow.id)
        with self.database.session() as session:
            return [_record(row) for row in session.scalars(query)]


def _record(row: ProcessingErrorRow) -> ProcessingErrorRecord:
    return ProcessingErrorRecord(
        tenant_id=row.tenant_id,
        message_id=row.message_id,
        processor=row.processor,
        error_type=row.error_type,
        error_message=row.error_message,
        error_code=row.error_code,
        entity_id=row.entity_id,
        retryable=row.retryable,
        attempt=row.attempt,
        details=dict(row.details),
        at=row.at,
    )
