"""The queue transport: the one seam through which processor outputs, retries and dead letters reach a queue.

A :class:`QueueTransport` sends one JSON body to a queue, encoded as the Functions host reads it, creating the
queue if it is missing. On Azure (and whenever no host installed another) the framework uses
:class:`StorageQueueTransport`: the storage account from settings (``AzureWebJobsStorage`` or the given connection
string), ``messageEncoding`` from the ``AzureFunctionsJobHost__extensions__queues__messageEncoding`` app setting
(the host's override of host.json; base64 by default). Under ``exchange dev`` the host installs its own transport
(its clients, its host.json encoding, its journal, a wake-up of its local poller) through the runtime.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from framework.queues import Encoding, encode_body, send_text, validate_queue_name
from framework.storage import queue_client

if TYPE_CHECKING:
    from azure.storage.queue import QueueClient

#: The longest initial visibility delay the queue service accepts (7 days); longer delays are cut to it.
MAX_DELAY_S = 7 * 24 * 3600
#: The service's default time to live; a delayed message lives this long after it becomes visible.
DEFAULT_TTL_S = 7 * 24 * 3600
ENCODING_SETTING = "AzureFunctionsJobHost__extensions__queues__messageEncoding"


class QueueTransport(Protocol):
    """Sends message bodies to queues."""

    def send(self, queue: str, body: str, *, connection: str | None = None, delay_s: float = 0, **options: int) -> str:
        """Put ``body`` (JSON text) on ``queue``, invisible for ``delay_s`` seconds; returns the message id.

        ``connection`` is a storage connection string (None: the host's ``AzureWebJobsStorage``); ``options`` are
        the queue service's ``time_to_live`` and ``timeout`` (seconds).
        """
        ...

    def close(self) -> None:
        """Release clients."""
        ...


def visibility_delay(delay_s: float) -> int:
    """``delay_s`` as the queue service takes it: whole seconds (rounded up), at most :data:`MAX_DELAY_S`."""
    return min(MAX_DELAY_S, max(0, math.ceil(delay_s)))


def send_options(delay_s: float, options: dict[str, int]) -> dict[str, int]:
    """The SDK's keyword arguments for a send delayed by ``delay_s``: a delayed message must outlive its delay."""
    delay = visibility_delay(delay_s)
    if not delay:
        return dict(options)
    ttl = options.get("time_to_live", DEFAULT_TTL_S)
    return {**options, "visibility_timeout": delay, "time_to_live": ttl if ttl == -1 else delay + ttl}


def settings_encoding(settings: Mapping[str, str] | None = None) -> Encoding:
    """The host's messageEncoding as the app settings (default: the process environment) override it (base64
    unless set to none)."""
    env = os.environ if settings is None else settings
    return "none" if env.get(ENCODING_SETTING, "").strip().lower() == "none" else "base64"


class StorageQueueTransport:
    """The storage account from settings, through one synchronous client per (connection, queue)."""

    def __init__(self, encoding: Encoding | None = None, settings: Mapping[str, str] | None = None) -> None:
        self.encoding = encoding
        #: Where ``AzureWebJobsStorage`` and the encoding override are read (default: the process environment).
        self.settings: Mapping[str, str] = os.environ if settings is None else settings
        self._clients: dict[tuple[str | None, str], QueueClient] = {}
        self._lock = threading.Lock()

    def client(self, queue: str, connection: str | None) -> QueueClient:
        """The cached client (building one costs more than a send)."""
        key = (connection or self.settings.get("AzureWebJobsStorage"), queue)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = queue_client(validate_queue_name(queue), connection, self.settings)
            return client

    def send(self, queue: str, body: str, *, connection: str | None = None, delay_s: float = 0, **options: int) -> str:
        """Encode and send ``body``, creating the queue if it is missing."""
        text = encode_body(body, self.encoding or settings_encoding(self.settings))
        sdk_options: dict[str, object] = dict(send_options(delay_s, options))
        return send_text(self.client(queue, connection), text, create=True, **sdk_options)

    def close(self) -> None:
        """Close every client."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()
