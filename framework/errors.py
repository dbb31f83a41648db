"""The one error family of exchange.

Every error a user can cause or fix derives from :class:`ExchangeError`. The CLI translates them once, at the
edge, into a readable message; nothing below the CLI prints or exits.
"""

from __future__ import annotations


class ExchangeError(Exception):
    """Base of every error exchange raises on purpose.

    ``hint`` says what to do about it; the CLI prints it under the message.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ConfigurationError(ExchangeError):
    """A setting, a config key or a connection string is missing or invalid."""


class StorageUnavailableError(ExchangeError):
    """Azure Storage (or Azurite) cannot be reached."""


class DatabaseUnavailableError(ExchangeError):
    """The SQL database cannot be reached (server down, wrong host or port, unreadable file)."""


class SchemaError(DatabaseUnavailableError):
    """The database's schema is not the one this code needs (not migrated yet, or migrated by newer code).

    A kind of unavailability: the handler keeps the message on its queue until the database is migrated."""


class EntityNotFoundError(ExchangeError):
    """No entity with that id is visible to the current tenant."""


class TenantRequiredError(ExchangeError):
    """A tenant-scoped operation ran outside any ``tenant_context``."""


class MessageFormatError(ExchangeError):
    """A message that is not a valid exchange envelope or JSON object."""


class OutputConfigError(ConfigurationError):
    """An output handler's config has an unknown key or a bad value."""


class OutputDeliveryError(ExchangeError):
    """An output handler could not deliver a message to its destination."""


class ProcessorValidationError(ExchangeError):
    """A message that the processor's ``validate_message`` refused; never retried."""


class ProcessingFailedError(ExchangeError):
    """Processing failed for good; raised to the host only when ``ProcessorConfig.raise_on_failure`` is on."""


class DeadLetterError(ExchangeError):
    """A failed message could not be put on the dead-letter queue (so it is raised to the host, not lost)."""


class WriteConflictError(ExchangeError):
    """Inside an attempt's unit of work, a concurrent writer took the same entity first; retry the attempt."""


class ServiceOutageError(ProcessingFailedError):
    """The database or storage the framework needs is unreachable: raised to the host so the message is kept."""
