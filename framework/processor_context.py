"""What a processor gets besides the message: the framework's services, ready to use.

Services not given are created on first use over the same database as the ones given (or the process-wide
database of ``DATABASE_URL``), so ``ProcessorContext(processing_service=svc)`` reads back what it wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framework.db import Database
    from framework.entities import Entity, EntityResult
    from framework.services import EntityService, ProcessingErrorService, ProcessingService, StateTrackingService


class ProcessorContext:
    """Direct access to the framework services for one processor."""

    def __init__(
        self,
        processing_service: ProcessingService | None = None,
        state_tracking_service: StateTrackingService | None = None,
        error_service: ProcessingErrorService | None = None,
        entity_service: EntityService | None = None,
        *,
        database: Database | None = None,
        config: Any = None,
    ) -> None:
        self._processing_service = processing_service
        self._state_tracking_service = state_tracking_service
        self._error_service = error_service
        self._entity_service = entity_service
        self._database = database
        #: The ProcessorConfig (or any object with ``enable_duplicate_detection``) given to process_entity.
        self.config = config

    @property
    def database(self) -> Database:
        """The database the services work on."""
        if self._database is None:
            given = (self._processing_service, self._entity_service, self._state_tracking_service, self._error_service)
            service = next((s for s in given if s is not None), None)
            if service is not None:
                self._database = service.database
            else:
                from framework.databases import get_database

                self._database = get_database()
        return self._database

    @property
    def processing_service(self) -> ProcessingService:
        """Entity creation, versioning and duplicate detection."""
        if self._processing_service is None:
            from framework.services import ProcessingService

            self._processing_service = ProcessingService(self.database)
        return self._processing_service

    @property
    def entity_service(self) -> EntityService:
        """Reading entities."""
        if self._entity_service is None:
            from framework.services import EntityService

            self._entity_service = EntityService(self.database)
        return self._entity_service

    @property
    def state_tracking_service(self) -> StateTrackingService:
        """State transitions of messages and entities."""
        if self._state_tracking_service is None:
            from framework.services import StateTrackingService

            self._state_tracking_service = StateTrackingService(self.database)
        return self._state_tracking_service

    @property
    def error_service(self) -> ProcessingErrorService:
        """Error records of failed processing."""
        if self._error_service is None:
            from framework.services import ProcessingErrorService

            self._error_service = ProcessingErrorService(self.database)
        return self._error_service

    def persist_entity(
        self, external_id: str, canonical_type: str, source: str, data: dict[str, Any], **kwargs: Any
    ) -> str:
        """Store ``data`` as an entity of the current tenant; returns its id (the existing id for a duplicate).

        ``kwargs``: ``metadata``, ``custom_attributes`` (or ``attributes``) and ``config``.
        """
        return self.persist_entity_result(external_id, canonical_type, source, data, **kwargs).entity_id

    def persist_entity_result(
        self, external_id: str, canonical_type: str, source: str, data: dict[str, Any], **kwargs: Any
    ) -> EntityResult:
        """Like :meth:`persist_entity`, returning the whole result (version, duplicate or new)."""
        attributes = kwargs.pop("custom_attributes", None) or kwargs.pop("attributes", None)
        config = kwargs.pop("config", self.config)
        metadata = kwargs.pop("metadata", None)
        if kwargs:
            raise TypeError(f"persist_entity() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        return self.processing_service.process_entity(
            external_id=external_id,
            canonical_type=canonical_type,
            source=source,
            content=data,
            config=config,
            custom_attributes=attributes,
            metadata=metadata,
        )

    def get_entity(self, entity_id: str) -> Entity:
        """The entity ``entity_id`` of the current tenant; raises ``EntityNotFoundError``."""
        return self.entity_service.get_entity(entity_id)
