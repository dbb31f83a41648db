"""The API Exchange processor framework: what processor code imports.

``from framework import ProcessorInterface, Message, ProcessingResult, operation, ...``. Names are loaded on first
use (module ``__getattr__``), so ``import framework`` stays fast and SQLAlchemy and the Azure SDKs are imported
only by code that needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    # processors
    "ProcessorInterface": "framework.processor",
    "ProcessorContext": "framework.processor_context",
    "ProcessorConfig": "framework.config",
    "ProcessorHandler": "framework.handler",
    "create_processor_handler": "framework.factory",
    "RetryPolicy": "framework.retry",
    "compute_backoff": "framework.retry",
    # messages and results
    "Message": "framework.message",
    "MessageType": "framework.message",
    "EntityReference": "framework.message",
    "ProcessingResult": "framework.result",
    "ProcessingStatus": "framework.result",
    # outputs
    "OutputHandler": "framework.outputs",
    "OutputResult": "framework.outputs",
    "QueueOutputHandler": "framework.outputs",
    "FileOutputHandler": "framework.outputs",
    "ServiceBusOutputHandler": "framework.outputs",
    "NoOpOutputHandler": "framework.outputs",
    # tracking and context
    "operation": "framework.operation",
    "tenant_context": "framework.context",
    "correlation_context": "framework.context",
    # persistence
    "ProcessingService": "framework.services",
    "EntityService": "framework.services",
    "StateTrackingService": "framework.services",
    "ProcessingErrorService": "framework.services",
    "Entity": "framework.entities",
    "EntityResult": "framework.entities",
    "ProcessingState": "framework.states",
    "Database": "framework.db",
    "get_database": "framework.databases",
    "import_all_models": "framework.databases",
    # errors
    "ExchangeError": "framework.errors",
    "ConfigurationError": "framework.errors",
    "MessageFormatError": "framework.errors",
    "OutputConfigError": "framework.errors",
    "OutputDeliveryError": "framework.errors",
    "ProcessorValidationError": "framework.errors",
    "ProcessingFailedError": "framework.errors",
    "ServiceOutageError": "framework.errors",
    "DeadLetterError": "framework.errors",
    "EntityNotFoundError": "framework.errors",
    "TenantRequiredError": "framework.errors",
    "DatabaseUnavailableError": "framework.errors",
    "StorageUnavailableError": "framework.errors",
    "WriteConflictError": "framework.errors",
}

__all__ = [
    "ConfigurationError",
    "Database",
    "DatabaseUnavailableError",
    "DeadLetterError",
    "Entity",
    "EntityNotFoundError",
    "EntityReference",
    "EntityResult",
    "EntityService",
    "ExchangeError",
    "FileOutputHandler",
    "Message",
    "MessageFormatError",
    "MessageType",
    "NoOpOutputHandler",
    "OutputConfigError",
    "OutputDeliveryError",
    "OutputHandler",
    "OutputResult",
    "ProcessingErrorService",
    "ProcessingFailedError",
    "ProcessingResult",
    "ProcessingService",
    "ProcessingState",
    "ProcessingStatus",
    "ProcessorConfig",
    "ProcessorContext",
    "ProcessorHandler",
    "ProcessorInterface",
    "ProcessorValidationError",
    "QueueOutputHandler",
    "RetryPolicy",
    "ServiceBusOutputHandler",
    "ServiceOutageError",
    "StateTrackingService",
    "StorageUnavailableError",
    "TenantRequiredError",
    "WriteConflictError",
    "compute_backoff",
    "correlation_context",
    "create_processor_handler",
    "get_database",
    "import_all_models",
    "operation",
    "tenant_context",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'framework' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from framework.config import ProcessorConfig
    from framework.context import correlation_context, tenant_context
    from framework.databases import get_database, import_all_models
    from framework.db import Database
    from framework.entities import Entity, EntityResult
    from framework.errors import (
        ConfigurationError,
        DatabaseUnavailableError,
        DeadLetterError,
        EntityNotFoundError,
        ExchangeError,
        MessageFormatError,
        OutputConfigError,
        OutputDeliveryError,
        ProcessingFailedError,
        ProcessorValidationError,
        ServiceOutageError,
        StorageUnavailableError,
        TenantRequiredError,
        WriteConflictError,
    )
    from framework.factory import create_processor_handler
    from framework.handler import ProcessorHandler
    from framework.message import EntityReference, Message, MessageType
    from framework.operation import operation
    from framework.outputs import (
        FileOutputHandler,
        NoOpOutputHandler,
        OutputHandler,
        OutputResult,
        QueueOutputHandler,
        ServiceBusOutputHandler,
    )
    from framework.processor import ProcessorInterface
    from framework.processor_context import ProcessorContext
    from framework.result import ProcessingResult, ProcessingStatus
    from framework.retry import RetryPolicy, compute_backoff
    from framework.services import EntityService, ProcessingErrorService, ProcessingService, StateTrackingService
    from framework.states import ProcessingState
