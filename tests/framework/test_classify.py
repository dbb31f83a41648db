"""Error classification: validation, transient or unexpected."""

from __future__ import annotations

import pytest
import sqlalchemy.exc
from azure.core.exceptions import HttpResponseError, ServiceRequestError

from framework import DatabaseUnavailableError, MessageFormatError, ProcessorValidationError
from framework.classify import ErrorCategory, classify


@pytest.mark.parametrize(
    "error",
    [
        ConnectionResetError("reset"),
        TimeoutError("slow"),
        ServiceRequestError("no route"),
        DatabaseUnavailableError("db down"),
        sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection")),
        sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")),
    ],
)
def test_service_hiccups_are_transient(error: Exception) -> None:
    assert classify(error) is ErrorCategory.TRANSIENT


def test_http_status_decides_for_azure_response_errors() -> None:
    busy, missing = HttpResponseError("busy"), HttpResponseError("missing")
    busy.status_code, missing.status_code = 503, 404
    assert (classify(busy), classify(missing)) == (ErrorCategory.TRANSIENT, ErrorCategory.UNEXPECTED)


def test_message_errors_are_validation_and_bugs_are_unexpected() -> None:
    assert classify(ProcessorValidationError("no id")) is ErrorCategory.VALIDATION
    assert classify(MessageFormatError("not json")) is ErrorCategory.VALIDATION
    assert classify(KeyError("id")) is ErrorCategory.UNEXPECTED
