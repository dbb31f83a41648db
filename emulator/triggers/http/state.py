"""What the HTTP server's request handlers (functions and admin endpoints) share, under one typed app key."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from emulator.app.functions import FunctionInfo
from emulator.runtime.invocation import Invoker
from emulator.triggers.http.keys import FunctionKeys
from emulator.triggers.http.routes import RouteTable


@dataclass
class HttpState:
    """The host's parts the handlers use."""

    invoker: Invoker
    functions: Sequence[FunctionInfo]
    table: RouteTable
    #: host.json's ``extensions.http.routePrefix`` without slashes ("" for none).
    route_prefix: str
    #: The deployment's keys when they are enforced, else None.
    keys: FunctionKeys | None
    #: The deployment folder (the host's id and status derive from it).
    deployment_dir: Path = field(default_factory=Path.cwd)
    #: ``AzureWebJobsDisableHomepage=true`` in the host's app settings: ``GET /`` answers 204, not the page.
    homepage_disabled: bool = False
    #: Runs started by the admin endpoint (202 Accepted), awaited on drain.
    background: set[asyncio.Task[object]] = field(default_factory=set)


STATE = web.AppKey("state", HttpState)
