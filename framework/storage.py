"""Azure Storage connection strings and clients, the same for Azurite and Azure.

The connection string comes from configuration or from ``AzureWebJobsStorage``, exactly as the Functions host
reads it, so a processor reaches Azurite locally and a real storage account in production without a code change.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from framework.errors import ConfigurationError

if TYPE_CHECKING:
    from azure.storage.queue import QueueClient, QueueServiceClient

#: The well-known Azurite development account (public, documented by Microsoft).
DEV_ACCOUNT_NAME = "devstoreaccount1"
DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DEV_PORTS = {"Blob": 10000, "Queue": 10001, "Table": 10002}


def dev_connection_string(host: str = "127.0.0.1", ports: dict[str, int] | None = None) -> str:
    """The explicit connection string of an Azurite listening on ``host`` with the given ports."""
    ports = {**DEV_PORTS, **(ports or {})}
    parts = [
        "DefaultEndpointsProtocol=http",
        f"AccountName={DEV_ACCOUNT_NAME}",
        f"AccountKey={DEV_ACCOUNT_KEY}",
    ]
    parts += [f"{kind}Endpoint=http://{host}:{port}/{DEV_ACCOUNT_NAME}" for kind, port in ports.items()]
    return ";".join(parts) + ";"


def resolve_connection_string(value: str | None = None, settings: Mapping[str, str] | None = None) -> str:
    """Return a usable connection string: ``value``, else ``AzureWebJobsStorage`` in ``settings`` (default: the
    process environment).

    ``UseDevelopmentStorage=true`` is expanded to Azurite's default ports, as the Azure SDKs do not accept it.
    """
    env = os.environ if settings is None else settings
    raw = value if value is not None else env.get("AzureWebJobsStorage", "")
    raw = raw.strip()
    if not raw:
        raise ConfigurationError(
            "No storage connection string: AzureWebJobsStorage is not set.",
            hint="set AzureWebJobsStorage in local.settings.json (UseDevelopmentStorage=true for Azurite), "
            "or pass a connection string in the handler's config",
        )
    if raw.replace(" ", "").lower().rstrip(";") == "usedevelopmentstorage=true":
        return dev_connection_string()
    return raw


def parse_connection_string(conn: str) -> dict[str, str]:
    """Split ``Key=Value;`` pairs (values may contain ``=``)."""
    pairs = (part.split("=", 1) for part in conn.split(";") if "=" in part)
    return {key.strip(): value.strip() for key, value in pairs}


def is_local_endpoint(conn: str) -> bool:
    """True when the queue endpoint is on this machine (Azurite)."""
    endpoint = parse_connection_string(conn).get("QueueEndpoint", "")
    host = urlparse(endpoint).hostname or ""
    return host in {"127.0.0.1", "localhost", "::1"} or host.startswith("127.")


def _client_kwargs(conn: str) -> dict[str, object]:
    """Local endpoints get a short retry policy: the SDK default sleeps 15 s and more after a refused connection."""
    if not is_local_endpoint(conn):
        return {}
    from azure.storage.queue import LinearRetry

    # The SDK annotates these as int but uses them as float seconds.
    policy = LinearRetry(backoff=0.5, random_jitter_range=0.1, retry_total=2)  # type: ignore[arg-type]
    return {"retry_policy": policy}


def queue_service_client(connection_string: str | None = None) -> QueueServiceClient:
    """A queue service client for ``connection_string`` (or ``AzureWebJobsStorage``)."""
    from azure.storage.queue import QueueServiceClient

    conn = resolve_connection_string(connection_string)
    return QueueServiceClient.from_connection_string(conn, **_client_kwargs(conn))  # type: ignore[arg-type]


def queue_client(
    queue_name: str, connection_string: str | None = None, settings: Mapping[str, str] | None = None
) -> QueueClient:
    """A client for one queue. Messages are sent as given: encode them yourself (see :mod:`framework.queues`)."""
    from azure.storage.queue import QueueClient

    conn = resolve_connection_string(connection_string, settings)
    return QueueClient.from_connection_string(conn, queue_name, **_client_kwargs(conn))  # type: ignore[arg-type]
