"""Error classification: validation, transient or unexpected."""

from __future__ import annotations

import pytest
import sqlalchemy.exc
from azure.core.exceptions import HttpResponseError, ServiceRequestError

from framework import DatabaseUnavailableError, MessageFormatError, ProcessorValidationError
from framework.classify import ErrorCategory, classify, storage_fault
from framework.faults import Fault


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (ConnectionResetError("reset"), Fault.CONNECTION_REFUSED),
        (TimeoutError("slow"), Fault.TIMEOUT),
        (ServiceRequestError("no route"), Fault.CONNECTION_REFUSED),
        (DatabaseUnavailableError("db down"), Fault.CONNECTION_REFUSED),
    ],
)
def test_unreachable_services_are_infrastructure_faults(error: Exception, fault: Fault) -> None:
    assert classify(error) is ErrorCategory.INFRASTRUCTURE and storage_fault(error) is fault


@pytest.mark.parametrize(
    "error",
    [
        sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection")),
        sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")),
    ],
)
def test_service_hiccups_are_transient(error: Exception) -> None:
    assert classify(error) is ErrorCategory.TRANSIENT


def test_http_status_decides_for_azure_response_errors() -> None:
    busy, missing, denied = HttpResponseError("busy"), HttpResponseError("missing"), HttpResponseError("denied")
    busy.status_code, missing.status_code, denied.status_code = 503, 404, 403
    assert (classify(busy), classify(missing)) == (ErrorCategory.INFRASTRUCTURE, ErrorCategory.UNEXPECTED)
    assert (storage_fault(busy), storage_fault(denied)) == (Fault.TIMEOUT, Fault.PERMISSION)


def test_message_errors_are_validation_and_bugs_are_unexpected() -> None:
    assert classify(ProcessorValidationError("no id")) is ErrorCategory.VALIDATION
    assert classify(MessageFormatError("not json")) is ErrorCategory.VALIDATION
    assert classify(KeyError("id")) is ErrorCategory.UNEXPECTED
