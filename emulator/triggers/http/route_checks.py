"""The HTTP routes the Functions host refuses when it indexes HTTP functions, refused here at load.

``ScriptHost.ValidateFunction`` / ``ValidateHttpFunction``: a route starting with ``admin`` or ``runtime`` (the
host's own space, whatever the route prefix), and a route equal (ignoring case and outer slashes) to an earlier
function's route when their methods intersect (no methods means all). The host then drops that function and runs
the rest; ``exchange dev`` stops loading instead, naming both functions, so the mistake cannot go unnoticed. A
route prefix must be plain path segments: ``.`` and ``..`` can never be reached (URLs are resolved before routing).
"""

from __future__ import annotations

import re

from emulator.triggers.http.routes import RouteError

#: A route prefix segment: URL path characters, no braces (parameters), no dots alone.
_PREFIX_SEGMENT = re.compile(r"[A-Za-z0-9_\-.~]+")


def check_route_prefix(route_prefix: str) -> None:
    """host.json's ``extensions.http.routePrefix`` must be plain path segments: no ``.``/``..`` (never reachable:
    URLs are resolved before routing), no empty segment, no route parameters."""
    segments = route_prefix.strip("/").split("/") if route_prefix.strip("/") else []
    bad = [s for s in segments if s in ("", ".", "..") or not _PREFIX_SEGMENT.fullmatch(s)]
    if bad:
        raise RouteError(
            f"host.json: extensions.http.routePrefix {route_prefix!r} cannot be used (segment {bad[0]!r})",
            hint='use a plain path such as "api" (the default), "v1/api", or "" for none',
        )


def check_route_is_free(
    name: str, route: str, methods: frozenset[str], seen: list[tuple[str, str, frozenset[str]]]
) -> None:
    """Refuse what the Functions host refuses when it indexes HTTP functions (ScriptHost.ValidateFunction): a
    route under ``admin`` or ``runtime``, and the same route (ignoring case) as an earlier function with a method
    in common (no methods means all). The host then drops the function and runs the rest; here the load stops."""
    text = route.strip("/").lower()
    if text.startswith(("admin", "runtime")):
        raise RouteError(
            f"function {name!r}: route {route!r}: the specified route conflicts with one or more built in routes",
            hint="routes starting with 'admin' or 'runtime' are the Functions host's own: choose another route",
        )
    for other, other_route, other_methods in seen:
        same = other_route.strip("/").lower() == text
        if same and (not methods or not other_methods or methods & other_methods):
            raise RouteError(
                f"function {name!r}: route {route!r}: the route specified conflicts with the route defined by "
                f"function {other!r}",
                hint="give one of them another route, or methods the other does not take",
            )
