"""HTTP requests into ``func.HttpRequest`` and ``func.HttpResponse`` back out, as the Python worker does it."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from aiohttp import web
from azure.functions.http import HttpResponseConverter
from azure.functions.meta import Datum

from emulator.triggers.http.cookies import set_cookie_headers


async def function_request(request: web.Request, route_params: dict[str, str]) -> func.HttpRequest:
    """Build the function's request from what the host passes the worker: method, url, headers, query, route."""
    body = await request.read()
    return func.HttpRequest(
        method=request.method,
        url=str(request.url),
        headers=dict(request.headers),
        # The host hands the worker one value per query key; with a repeated key the last one wins there too.
        params=dict(request.query),
        route_params=route_params,
        body=body,
    )


def trigger_details(request: func.HttpRequest) -> dict[str, Any]:
    """Trigger metadata for binding expressions: route parameters, query, headers and top-level JSON body fields."""
    details: dict[str, Any] = {}
    try:
        body = json.loads(request.get_body() or b"null")
    except (ValueError, RecursionError):  # deeply nested JSON: no metadata from it; the function still runs
        body = None
    if isinstance(body, dict):
        details.update({k: v for k, v in body.items() if isinstance(v, str | int | float | bool)})
    details.update({"Query": dict(request.params), "Headers": dict(request.headers), "Method": request.method})
    details.update(request.params)
    details.update(request.route_params)
    return details


def presented_key(request: web.Request) -> str | None:
    """The function key in ``?code=`` or the ``x-functions-key`` header."""
    return request.query.get("code") or request.headers.get("x-functions-key")


def aiohttp_response(response: func.HttpResponse, datum: Datum | None = None) -> web.Response:
    """The function's response as is: status, headers, body; content type from mimetype and charset if unset;
    cookies as the host writes them (a cookie the worker cannot convert raises :class:`CookieError`).

    ``datum`` is the response as the worker already encoded it: encoding again would miss its ``Set-Cookie``
    headers, which the converter moves into the cookies."""
    if datum is None or datum.type != "http":
        datum = HttpResponseConverter.encode(response, expected_type=None)
    value = datum.value
    headers = [(name, header.value) for name, header in value["headers"].items()]
    headers += [("Set-Cookie", cookie) for cookie in set_cookie_headers(value.get("cookies"))]
    return web.Response(status=int(value["status_code"].value), headers=_multi(headers), body=value["body"].value)


def _multi(pairs: list[tuple[str, str]]) -> Any:
    from multidict import CIMultiDict

    return CIMultiDict(pairs)
