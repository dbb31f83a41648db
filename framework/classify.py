"""Error classification: validation, infrastructure (a storage fault), transient (a service hiccup) or unexpected.

Azure SDK and SQLAlchemy errors are recognised without importing either: if a library was never imported, none of
its errors can have been raised.
"""

from __future__ import annotations

import sys
from enum import StrEnum

from framework.errors import (
    DatabaseUnavailableError,
    MessageFormatError,
    ProcessorValidationError,
    StorageUnavailableError,
    WriteConflictError,
)
from framework.faults import Fault, fault_of


class ErrorCategory(StrEnum):
    """The kind of failure."""

    #: The message is wrong; trying again cannot help.
    VALIDATION = "validation"
    #: A service did not answer or answered "try later"; trying again may help.
    TRANSIENT = "transient"
    #: The database or storage failed in a way :func:`framework.faults.fault_of` names (disk full, read-only,
    #: locked, refused, timeout, permission): not the message's fault, so the message is kept on its queue.
    INFRASTRUCTURE = "infrastructure"
    #: A bug or an unforeseen condition.
    UNEXPECTED = "unexpected"
    #: The processor returned a failed result (its ``can_retry`` decides).
    RESULT = "result"
    #: An output handler could not deliver.
    OUTPUT = "output"


def _library_transient_types() -> tuple[type[BaseException], ...]:
    """Azure request/response errors; SQLAlchemy's lost connections and lost races between concurrent writers."""
    found: list[type[BaseException]] = []
    azure = sys.modules.get("azure.core.exceptions")
    if azure is not None:
        found += [azure.ServiceRequestError, azure.ServiceResponseError]
    sqlalchemy = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy is not None:
        # IntegrityError: inside an attempt's unit of work, another writer took the same entity key first;
        # PendingRollbackError: what the next write in that broken transaction raises. A fresh attempt sees the row.
        found += [sqlalchemy.OperationalError, sqlalchemy.IntegrityError, sqlalchemy.PendingRollbackError]
    return tuple(found)


def is_transient(error: BaseException) -> bool:
    """True for connection problems, timeouts, an unreachable database, Azure request/response errors, SQL write
    races and lost connections, and HTTP 408/429/5xx."""
    if isinstance(
        error,
        (ConnectionError, TimeoutError, DatabaseUnavailableError, WriteConflictError, *_library_transient_types()),
    ):
        return True
    status = getattr(error, "status_code", None)
    return isinstance(status, int) and (status in (408, 429) or status >= 500)


def classify(error: BaseException) -> ErrorCategory:
    """The category of ``error``."""
    if isinstance(error, ProcessorValidationError | MessageFormatError):
        return ErrorCategory.VALIDATION
    if storage_fault(error) is not None:
        return ErrorCategory.INFRASTRUCTURE
    if is_transient(error):
        return ErrorCategory.TRANSIENT
    return ErrorCategory.UNEXPECTED


def storage_fault(error: BaseException) -> Fault | None:
    """The storage fault behind ``error``; an unreachable database or storage account counts as refused."""
    found = fault_of(error)
    if found is None and isinstance(error, DatabaseUnavailableError | StorageUnavailableError):
        return Fault.CONNECTION_REFUSED
    return found
