"""The host's own endpoints that readiness probes and "wait for the host" scripts call, answered as the host does.

- ``GET /`` (any method, when no function owns ``/``): 200 with an HTML landing page (``HomepageMiddleware``);
  204 when the app setting ``AzureWebJobsDisableHomepage`` is ``true``.
- ``GET`` or ``POST /admin/host/ping``: 200 with an empty body, no key needed (``HostController.Ping``).
- ``GET /admin/host/status``: the ``HostStatus`` JSON (``id``, ``state``, ``version``, ``versionDetails``,
  ``instanceId``, ``processUptime``, ``functionAppContentEditingState``; ``errors`` when there are any), with
  the master key when keys are enforced (admin level, as on Azure).
"""

from __future__ import annotations

import socket
import time
import zlib
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from aiohttp import web

#: When this process started (the worker serving HTTP starts with it): ``processUptime`` counts from here.
_STARTED = time.time()

#: The host runtime version whose behaviour the emulator reproduces.
HOST_VERSION = "4.0.0.0"

_LANDING_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Your Functions 4.0 app is up and running</title></head>
<body><h1>Your Functions 4.0 app is up and running</h1>
<p>Served locally by <code>exchange dev</code>, which emulates the Azure Functions host.</p></body></html>
"""


def landing_page(disabled: bool) -> web.Response:
    """What the host answers at ``/``: the page, or 204 when ``AzureWebJobsDisableHomepage=true`` (``disabled``)."""
    if disabled:
        return web.Response(status=204)
    return web.Response(status=200, text=_LANDING_PAGE, content_type="text/html")


async def ping(_: web.Request) -> web.Response:
    """``GET|POST /admin/host/ping``: 200, empty, uncached."""
    return web.Response(status=200, headers={"Cache-Control": "no-store"})


def host_id(deployment_dir: Path) -> str:
    """A stable id per machine and app folder, shaped as the host's local one (lower case, at most 32 chars)."""
    digest = zlib.crc32(str(deployment_dir.resolve()).encode())
    return f"{socket.gethostname().lower()}-{digest}"[:32].rstrip("-")


def status_document(deployment_dir: Path, *, state: str = "Running", errors: Sequence[str] = ()) -> dict[str, Any]:
    """The ``HostStatus`` JSON; ``state`` is the host's (``Running``, ``Error``, ...), ``errors`` its last error."""
    document: dict[str, Any] = {
        "id": host_id(deployment_dir),
        "state": state,
        "version": HOST_VERSION,
        "versionDetails": f"exchange {_exchange_version()} (emulating the Azure Functions host {HOST_VERSION})",
        "instanceId": f"{zlib.crc32(socket.gethostname().encode()):032x}",
        "processUptime": int((time.time() - _STARTED) * 1000),
        "functionAppContentEditingState": "Unknown",
    }
    if errors:
        document["errors"] = list(errors)
    return document


def _exchange_version() -> str:
    try:
        return version("exchange")
    except PackageNotFoundError:
        return "0+unknown"
