"""The HTTP trigger: an aiohttp server serving every HTTP function at ``/<routePrefix>/<route>``, plus ``/admin``.

Bound to 127.0.0.1 on ``Host.LocalHttpPort`` (7071) unless told otherwise, or serving an already-bound listening
socket handed down by the supervisor (bound once, reused across reloads). As on Azure: an unmatched path or an
unlisted method is 404 with an empty body; an unhandled exception in the function is 500 (logged here, journaled by
the invoker); keys are checked only when ``enable_auth`` is set (401 when missing or wrong); request bodies up to
100 MB (``FUNCTIONS_REQUEST_BODY_SIZE_LIMIT``), 413 above; ``/`` is the landing page unless a function owns it.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from emulator.app.functions import FunctionInfo
from emulator.runtime.host_api import HostLike
from emulator.runtime.invocation import Invoker
from emulator.triggers.http import admin
from emulator.triggers.http import host_endpoints as admin_host
from emulator.triggers.http.cookies import CookieError
from emulator.triggers.http.errors import PortInUseError
from emulator.triggers.http.keys import auth_level, load_keys
from emulator.triggers.http.messages import aiohttp_response, function_request, presented_key, trigger_details
from emulator.triggers.http.route_checks import check_route_is_free, check_route_prefix
from emulator.triggers.http.routes import Route, RouteTable, parse_template
from emulator.triggers.http.state import STATE, HttpState
from framework.context import current_settings

log = logging.getLogger(__name__)

#: The host's request body limit (ScriptConstants.DefaultMaxRequestBodySize); aiohttp's own default is 1 MiB.
DEFAULT_MAX_REQUEST_BODY_SIZE = 104_857_600


@dataclass
class HttpOptions:
    """Where and how the server listens."""

    #: Interface to bind (ignored with ``sock``).
    host: str = "127.0.0.1"
    #: Port to bind; None means local.settings.json's ``Host.LocalHttpPort`` (default 7071).
    port: int | None = None
    #: An already-bound listening socket (from the supervisor); takes precedence over host and port.
    sock: socket.socket | None = None
    #: Enforce function keys (Core Tools does not by default).
    enable_auth: bool = False


def max_request_body_size(settings: Mapping[str, str]) -> int:
    """The largest request body accepted (413 above it): 100 MB as on the host, or the app setting
    ``FUNCTIONS_REQUEST_BODY_SIZE_LIMIT`` (bytes) when it is a number, as the host reads it."""
    configured = settings.get("FUNCTIONS_REQUEST_BODY_SIZE_LIMIT", "").strip()
    return int(configured) if configured.isdigit() else DEFAULT_MAX_REQUEST_BODY_SIZE


def build_routes(functions: Sequence[FunctionInfo], route_prefix: str) -> RouteTable:
    """Every enabled HTTP function's route (the prefix included); a bad template, a route in the host's reserved
    space or a route that conflicts with another function's fails here, naming the function."""
    check_route_prefix(route_prefix)
    table = RouteTable()
    seen: list[tuple[str, str, frozenset[str]]] = []
    for fn in functions:
        if fn.trigger_kind != "http" or fn.disabled:
            continue
        route = str(fn.trigger.settings.get("route") or fn.name)
        methods = frozenset(str(m).upper() for m in fn.trigger.settings.get("methods") or ())
        check_route_is_free(fn.name, route, methods, seen)
        seen.append((fn.name, route, methods))
        text = "/".join(part.strip("/") for part in (route_prefix, route) if part.strip("/"))
        auth_level(fn.trigger.settings, function=fn.name)  # a bad level fails at start, not per request
        table.add(Route(fn.name, parse_template(text, function=fn.name), methods))
    return table


class HttpServer:
    """The HTTP trigger and admin endpoints of one host; a host runner (``start`` / ``drain``)."""

    def __init__(self, options: HttpOptions | None = None) -> None:
        self.options = options or HttpOptions()
        self.state: HttpState | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.BaseSite | None = None

    async def start(self, host: HostLike) -> None:
        """Serve ``host``'s functions (port from local.settings.json unless the options name one)."""
        deployment = host.deployment
        port = self.options.port if self.options.port is not None else deployment.local.http_port
        await self.start_with(
            host.invoker,
            host.functions,
            route_prefix=deployment.host.http.route_prefix,
            state_dir=deployment.path / ".exchange",
            port=port,
        )

    async def start_with(
        self,
        invoker: Invoker,
        functions: Sequence[FunctionInfo],
        *,
        route_prefix: str = "api",
        state_dir: Path,
        port: int | None = None,
    ) -> None:
        """Start from explicit parts (what ``start`` does with the host's); port: the options', else 7071."""
        port = port if port is not None else self.options.port if self.options.port is not None else 7071
        table = build_routes(functions, route_prefix)
        keys = load_keys(state_dir / "keys.json", [f.name for f in functions]) if self.options.enable_auth else None
        # started by the host under its runtime: these are the host's own app settings, read once
        settings = current_settings()
        self.state = HttpState(invoker, functions, table, route_prefix.strip("/"), keys, state_dir.parent)
        self.state.homepage_disabled = settings.get("AzureWebJobsDisableHomepage", "").lower() == "true"
        app = web.Application(client_max_size=max_request_body_size(settings))
        app[STATE] = self.state
        admin.add_routes(app)
        app.router.add_route("*", "/{tail:.*}", _serve_function)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self._site = await self._listen(self._runner, port)
        for line in self.describe():
            log.info("%s", line)

    async def _listen(self, runner: web.AppRunner, port: int) -> web.BaseSite:
        site: web.BaseSite
        if self.options.sock is not None:
            site = web.SockSite(runner, self.options.sock)
        else:
            site = web.TCPSite(runner, self.options.host, port, reuse_address=True)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            if error.errno != errno.EADDRINUSE:
                raise
            raise PortInUseError(
                f"HTTP port {port} on {self.options.host} is already in use, so the HTTP functions cannot be served",
                hint=f"stop the other process on port {port} (another 'exchange dev' or 'func start'?), "
                "or choose another port with --port",
            ) from error
        return site

    @property
    def port(self) -> int:
        """The port actually listened on."""
        assert self._runner is not None and self._runner.addresses, "the server is not started"
        return int(self._runner.addresses[0][1])

    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        host = self.options.host if self.options.sock is None else self.options.sock.getsockname()[0]
        return f"http://{host}:{self.port}"

    def describe(self) -> list[str]:
        """Lines for the console at start: each HTTP function's URL and methods, and where the keys are if enforced
        (never the keys themselves: console output ends up in logs, terminals and screenshots)."""
        assert self.state is not None
        lines = []
        for route in self.state.table:
            methods = ",".join(sorted(route.methods)) or "ALL"
            lines.append(f"{route.function}: [{methods}] {self.base_url()}/{route.template.text}")
        if self.state.keys is not None:
            lines.append("function keys are enforced: `exchange keys --show` prints them")
        return lines

    async def drain(self, timeout: float) -> None:
        """Stop accepting requests; give requests and admin runs in flight ``timeout`` seconds, then close."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        if self.state and self.state.background:
            await asyncio.wait(self.state.background, timeout=timeout)
        if self._runner is not None:
            self._runner._shutdown_timeout = timeout  # how long cleanup waits for requests in flight
            await self._runner.cleanup()
            self._runner = None


async def _serve_function(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    found = state.table.match(request.method, request.path)
    if found is None:
        return admin_host.landing_page(state.homepage_disabled) if request.path == "/" else web.Response(status=404)
    route, params = found
    fn = next(f for f in state.functions if f.name == route.function)
    if state.keys is not None and not state.keys.allows(
        auth_level(fn.trigger.settings), fn.name, presented_key(request)
    ):
        return web.Response(status=401)
    func_request = await function_request(request, params)
    result = await state.invoker.invoke(
        fn,
        func_request,
        trigger_details=trigger_details(func_request),
        correlation_id=request.headers.get("x-correlation-id"),
    )
    if not result.ok:
        log.error("HTTP function %s failed: %r", fn.name, result.error, exc_info=result.error)
        return web.Response(status=500)
    if result.http_response is None:
        return web.Response(status=204)
    try:
        return aiohttp_response(result.http_response, result.http_datum)
    except CookieError as error:  # the worker fails the invocation on such a cookie: Azure answers 500
        log.error("HTTP function %s failed: %s", fn.name, error)
        return web.Response(status=500)
