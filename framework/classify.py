"""Error classification: validation, transient (a service hiccup) or unexpected.

Azure SDK errors are recognised without importing the SDK: if ``azure.core`` was never imported, no azure error
can have been raised.
"""

from __future__ import annotations

import sys
from enum import StrEnum

from framework.errors import MessageFormatError, ProcessorValidationError


class ErrorCategory(StrEnum):
    """The kind of failure."""

    #: The message is wrong; trying again cannot help.
    VALIDATION = "validation"
    #: A service did not answer or answered "try later"; trying again may help.
    TRANSIENT = "transient"
    #: A bug or an unforeseen condition.
    UNEXPECTED = "unexpected"
    #: The processor returned a failed result (its ``can_retry`` decides).
    RESULT = "result"
    #: An output handler could not deliver.
    OUTPUT = "output"


def _azure_transient_types() -> tuple[type[BaseException], ...]:
    module = sys.modules.get("azure.core.exceptions")
    if module is None:
        return ()
    return (module.ServiceRequestError, module.ServiceResponseError)


def is_transient(error: BaseException) -> bool:
    """True for connection problems, timeouts and Azure request/response errors (and HTTP 408/429/5xx)."""
    if isinstance(error, (ConnectionError, TimeoutError, *_azure_transient_types())):
        return True
    status = getattr(error, "status_code", None)
    return isinstance(status, int) and (status in (408, 429) or status >= 500)


def classify(error: BaseException) -> ErrorCategory:
    """The category of ``error``."""
    if isinstance(error, ProcessorValidationError | MessageFormatError):
        return ErrorCategory.VALIDATION
    if is_transient(error):
        return ErrorCategory.TRANSIENT
    return ErrorCategory.UNEXPECTED
