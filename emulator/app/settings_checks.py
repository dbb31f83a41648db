"""Checks on host.json and local.settings.json that the Functions host makes, or that stop a silent mistake.

The host ignores host.json keys it does not know, so a typo (``extentions``, ``maxDequeCount``) silently means
the default: exchange says so as a warning, naming the file and the key. A ``routePrefix`` with ``.``/``..``
segments makes every HTTP function unreachable (clients and servers remove dot segments from a URL before it is
routed): that is refused. ``func start`` skips an empty setting name with a warning, and drops ``null`` values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framework.errors import ConfigurationError

#: host.json (version 2.0) top-level keys the Functions host reads, lower-cased.
HOST_KEYS = {
    "version", "aggregator", "concurrency", "console", "customhandler", "extensions", "extensionbundle",
    "functions", "functiontimeout", "healthmonitor", "logging", "manageddependency", "retry", "singleton",
    "telemetrymode", "watchdirectories", "watchfiles",
}  # fmt: skip
QUEUE_KEYS = {
    "maxpollinginterval", "visibilitytimeout", "batchsize", "maxdequeuecount", "newbatchthreshold", "messageencoding",
}  # fmt: skip
HTTP_KEYS = {
    "routeprefix", "maxoutstandingrequests", "maxconcurrentrequests", "dynamicthrottlesenabled", "hsts",
    "customheaders",
}  # fmt: skip


class SettingsError(ConfigurationError):
    """A host.json or local.settings.json value the host cannot work with."""


def host_json_warnings(data: dict[str, Any], file: Path) -> list[str]:
    """Keys of host.json's ``data`` (lower-cased keys) that the host does not know and ignores."""
    unknown = [key for key in data if key not in HOST_KEYS]
    raw = data.get("extensions")
    extensions: dict[str, Any] = raw if isinstance(raw, dict) else {}
    for section, known in (("queues", QUEUE_KEYS), ("http", HTTP_KEYS)):
        values = extensions.get(section)
        if isinstance(values, dict):
            unknown += [f"extensions.{section}.{key}" for key in values if key not in known]
    return [f"{file}: {key!r} is not a setting the Functions host knows; it is ignored (a typo?)" for key in unknown]


def check_route_prefix(prefix: str, file: Path) -> str:
    """``prefix`` when a request can reach routes under it; dot segments (``..``) are refused."""
    segments = [part for part in prefix.strip("/").split("/") if part]
    if any(part in {".", ".."} for part in segments) or "\\" in prefix:
        raise SettingsError(
            f"{file}: extensions.http.routePrefix is {prefix!r}; '.' and '..' segments cannot be routed "
            "(URLs are normalised before routing, so no request would reach a function).",
            hint='use a plain prefix such as "api", or "" for none',
        )
    return prefix


def local_values(values: dict[str, Any], file: Path) -> tuple[dict[str, Any], list[str]]:
    """``Values`` as ``func start`` applies them: null values dropped, an empty name skipped with a warning."""
    warnings = [f"{file}: Values has a setting with an empty name; it is skipped"] if "" in values else []
    return {k: v for k, v in values.items() if k != "" and v is not None}, warnings


def check_is_encrypted(data: dict[str, Any], file: Path) -> bool:
    """``IsEncrypted`` as a boolean; a string or number there is refused rather than read as false."""
    value = data.get("IsEncrypted", False)
    if not isinstance(value, bool):
        raise SettingsError(
            f"{file}: IsEncrypted is {value!r}; it must be true or false (JSON booleans, without quotes).",
            hint='write "IsEncrypted": false for plain settings',
        )
    return value
