"""Azure SDK errors of the commands that talk to storage from outside a host, said as one readable error.

``exchange send``, ``exchange poison ...`` and the TUI's send and poison actions call the queue service
directly; without this, a stopped Azurite or a mistyped connection string surfaces as an 80-line SDK traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from framework.errors import ConfigurationError, StorageUnavailableError
from framework.storage import parse_connection_string

P = ParamSpec("P")
R = TypeVar("R")

_STORAGE_HINT = (
    "start the host (`exchange dev`) or Azurite (`exchange azurite start`), or point --storage (or "
    "EXCHANGE_STORAGE) at a storage account that runs"
)
_FORMAT_HINT = (
    "give a connection string like 'DefaultEndpointsProtocol=https;AccountName=NAME;AccountKey=KEY;"
    "EndpointSuffix=core.windows.net', or UseDevelopmentStorage=true for Azurite on its default ports"
)


def endpoint_of(conn: str) -> str:
    """The queue endpoint of ``conn`` for messages (never the key)."""
    parts = parse_connection_string(conn)
    if "QueueEndpoint" in parts:
        return parts["QueueEndpoint"]
    account = parts.get("AccountName", "?")
    return f"{parts.get('DefaultEndpointsProtocol', 'https')}://{account}.queue.{parts.get('EndpointSuffix', '?')}"


def check_connection_string(conn: str, source: str = "--storage") -> str:
    """Return ``conn`` when the SDK can use it; else a :class:`ConfigurationError` naming ``source``."""
    parts = parse_connection_string(conn)
    has_endpoint = "QueueEndpoint" in parts or ("AccountName" in parts and "EndpointSuffix" in parts)
    has_account = "AccountName" in parts or "SharedAccessSignature" in parts
    if not (has_endpoint or "AccountName" in parts) or not has_account:
        raise ConfigurationError(f"{source}: the storage connection string is malformed.", hint=_FORMAT_HINT)
    key = parts.get("AccountKey")
    if key is not None:
        import base64
        import binascii

        try:
            base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError):
            raise ConfigurationError(
                f"{source}: the AccountKey of the storage connection string is not valid base64.",
                hint="copy the key again from the storage account's Access keys page",
            ) from None
    return conn


def _translate(error: Exception, conn: str) -> Exception | None:
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    where = endpoint_of(conn)
    if isinstance(error, ServiceRequestError | ServiceResponseError):
        return StorageUnavailableError(f"Cannot reach the queue service at {where}.", hint=_STORAGE_HINT)
    if isinstance(error, ClientAuthenticationError):
        return StorageUnavailableError(
            f"The queue service at {where} refused the credentials of the connection string.",
            hint="check AccountName and AccountKey (or the SAS token) of --storage",
        )
    if isinstance(error, HttpResponseError):
        code = getattr(error, "error_code", None) or error.reason
        return StorageUnavailableError(
            f"The queue service at {where} answered HTTP {error.status_code} ({code}).", hint=_STORAGE_HINT
        )
    if isinstance(error, ValueError) and "connection string" in str(error).lower():
        return ConfigurationError("The storage connection string is malformed.", hint=_FORMAT_HINT)
    return None


def explained(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn(storage, ...)``; an SDK error about reaching or using that storage becomes one readable error."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except Exception as error:
            conn = str(args[0] if args else kwargs.get("storage", ""))
            readable = _translate(error, conn)
            if readable is None:
                raise
            raise readable from error

    return run
