"""The framework's services over the SQL database: entities, versions, state transitions, errors.

Each takes an optional :class:`framework.db.Database`; without one it uses the process-wide database of
``DATABASE_URL`` (or ``./.exchange/exchange.db``). Every read and write is scoped to the tenant in force
(:func:`framework.context.tenant_context`), except :meth:`EntityService.list_all_entities`.
"""

from framework.services.entity import EntityService
from framework.services.processing import ProcessingService
from framework.services.processing_errors import ProcessingErrorService
from framework.services.state_tracking import StateTrackingService

__all__ = ["EntityService", "ProcessingErrorService", "ProcessingService", "StateTrackingService"]
