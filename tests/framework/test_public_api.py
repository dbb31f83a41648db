"""framework's public surface: every exported name importable, nothing extra, and a light ``import framework``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import framework

SPEC_NAMES = {
    "ProcessorInterface",
    "ProcessorContext",
    "Message",
    "MessageType",
    "EntityReference",
    "ProcessingResult",
    "ProcessingStatus",
    "QueueOutputHandler",
    "FileOutputHandler",
    "ServiceBusOutputHandler",
    "NoOpOutputHandler",
    "OutputHandler",
    "operation",
    "tenant_context",
    "ProcessorHandler",
    "create_processor_handler",
    "ProcessorConfig",
    "RetryPolicy",
    "ProcessingService",
    "EntityService",
    "StateTrackingService",
    "ProcessingErrorService",
    "Entity",
    "import_all_models",
    "get_database",
    "Database",
    "ExchangeError",
    "ConfigurationError",
    "MessageFormatError",
    "OutputConfigError",
    "EntityNotFoundError",
}


def test_every_exported_name_is_importable() -> None:
    for name in framework.__all__:
        assert getattr(framework, name) is not None, name


def test_all_lists_exactly_the_exports_and_covers_the_spec() -> None:
    assert sorted(framework.__all__) == sorted(framework._EXPORTS)
    assert set(framework.__all__) >= SPEC_NAMES


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        framework.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


@pytest.mark.subprocess
def test_importing_the_processor_api_loads_neither_sqlalchemy_nor_azure() -> None:
    code = (
        "import sys\n"
        "from framework import ProcessorInterface, Message, ProcessingResult, operation, ProcessorHandler\n"
        "from framework import QueueOutputHandler, create_processor_handler, tenant_context\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'azure'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
