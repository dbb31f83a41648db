"""Which host, storage and encoding a command acts on."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from emulator.client.storage_errors import check_connection_string
from emulator.dev import state as devstate
from framework.queues import Encoding
from framework.storage import resolve_connection_string


@dataclass(frozen=True)
class Target:
    """What a command talks to."""

    #: A usable storage connection string.
    storage: str
    #: How the deployment's host reads queue messages (host.json ``messageEncoding``).
    encoding: Encoding
    #: The running host, when there is one.
    host: devstate.DevState | None


def _deployment_encoding(folder: Path) -> Encoding:
    from emulator.app.deployment import load_deployment

    if not (folder / "host.json").exists():
        return "base64"
    return load_deployment(folder).host.queues.message_encoding


def resolve(deployment: Path | None, storage: str | None) -> Target:
    """``--storage`` if given, else the running host's storage, else ``AzureWebJobsStorage`` / Azurite defaults."""
    folder = (deployment or Path.cwd()).resolve()
    try:
        host = devstate.locate(folder) if storage is None else devstate.read(folder)
    except devstate.NoRunningHostError:
        host = None  # nothing runs: the environment's storage, else Azurite's defaults
    if host is not None:
        folder = Path(host.deployment_dir)
    conn = storage or (devstate.host_storage(host) if host else None) or os.environ.get("AzureWebJobsStorage")
    source = "--storage" if storage else "the running host's storage" if host else "AzureWebJobsStorage"
    usable = check_connection_string(resolve_connection_string(conn or "UseDevelopmentStorage=true"), source)
    return Target(usable, _deployment_encoding(folder), host)
