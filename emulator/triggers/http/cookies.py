"""``Set-Cookie`` headers written as they reach a client from Azure, not as Python would write them.

A function sets cookies with ``Set-Cookie`` response headers. On Azure three parties handle each one: the
``azure.functions`` converter parses every header into a ``SimpleCookie`` (a header it cannot parse yields no
cookie at all); the Python worker turns each morsel into an ``RpcHttpCookie`` (``datumdef.py``: the expiry parsed
by ``dateutil``, max-age as a number; either unparsable fails the invocation); the host appends each to the ASP.NET
Core response (``RawScriptResult`` → ``ResponseCookies.Append``), whose ``SetCookieHeaderValue`` writes
lower-case attributes in a fixed order, the value URL-escaped, and an *empty* ``domain=`` and ``path=`` when the
function set none (the worker sends them as empty strings, not as absent). The Python worker's own test suite pins
that output (``test_http_functions.py``: ``foo=bar`` reaches the client as ``foo=bar; domain=; path=``).
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime
from http.cookies import Morsel, SimpleCookie

from dateutil import parser as date_parser

from framework.errors import ExchangeError


class CookieError(ExchangeError):
    """A ``Set-Cookie`` header the worker cannot convert: the invocation fails (HTTP 500), as on Azure."""


def set_cookie_headers(cookies: Iterable[SimpleCookie] | None) -> list[str]:
    """One ``Set-Cookie`` value per cookie, formatted as the Functions host writes it."""
    return [_format(name, morsel) for cookie in cookies or () for name, morsel in cookie.items()]


def _format(name: str, morsel: Morsel[str]) -> str:
    parts = [f"{name}={urllib.parse.quote(morsel.value, safe='')}"]  # .NET Uri.EscapeDataString
    expires = _expires(name, morsel["expires"])
    if expires is not None:
        parts.append(f"expires={format_datetime(expires, usegmt=True)}")
    max_age = _max_age(name, morsel["max-age"])
    if max_age is not None:
        parts.append(f"max-age={max_age}")
    parts += [f"domain={morsel['domain']}", f"path={morsel['path']}"]
    if morsel["secure"]:
        parts.append("secure")
    same_site = str(morsel["samesite"]).lower()
    if same_site in ("lax", "strict", "none"):
        parts.append(f"samesite={same_site}")
    if morsel["httponly"]:
        parts.append("httponly")
    return "; ".join(parts)


def _expires(name: str, raw: str) -> datetime | None:
    """The expiry as the worker reads it (``dateutil``), whole seconds (a protobuf Timestamp), in UTC."""
    if not raw:
        return None
    try:
        parsed = date_parser.parse(raw)
    except (ValueError, OverflowError) as error:
        raise CookieError(
            f"cookie {name!r}: can not parse value {raw} of expires in the cookie due to invalid format",
            hint="write Expires as an HTTP date, e.g. 'Thu, 01 Jan 2026 00:00:00 GMT' (or use Max-Age)",
        ) from error
    seconds = int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())  # Azure runs in UTC
    return datetime.fromtimestamp(seconds, UTC)


def _max_age(name: str, raw: str) -> int | None:
    """Max-Age as the host writes it: the number of whole seconds; unparsable fails as in the worker."""
    if raw == "":
        return None
    try:
        seconds = float(raw)
    except ValueError:
        raise CookieError(
            f"cookie {name!r}: cannot parse value {raw} of 'cookie.maxAge' to float", hint="Max-Age takes seconds"
        ) from None
    if not math.isfinite(seconds) or seconds < 0:
        raise CookieError(f"cookie {name!r}: Max-Age {raw} is not a non-negative number of seconds")
    return math.trunc(seconds)
