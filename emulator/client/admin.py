"""Talk to a running host's admin API (``/admin/...``), with the master key when auth is on."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from emulator.dev.state import DevState
from emulator.triggers.http.keys import keys_path, read_keys
from framework.errors import ExchangeError


class HostUnreachableError(ExchangeError):
    """The host's HTTP server does not answer."""


def _master_key(host: DevState) -> str | None:
    """The master key when the host has keys (it enforces them only with ``--enable-auth``); the admin API takes
    only this key."""
    path = keys_path(Path(host.deployment_dir))
    return read_keys(path).master if path.exists() else None


def request(host: DevState, method: str, path: str, payload: Any = None, timeout: float = 10.0) -> tuple[int, Any]:
    """Send a request to the host; returns the status and the JSON (or text) body."""
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(host.http_url + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    key = _master_key(host)
    if key:
        req.add_header("x-functions-key", key)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    except OSError as exc:
        raise HostUnreachableError(
            f"The host at {host.http_url} does not answer: {exc}.", hint="is `exchange dev` still running?"
        ) from exc
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def run_function(host: DevState, function: str, input_: str) -> tuple[int, Any]:
    """``POST /admin/functions/<name>`` with ``{"input": ...}``."""
    return request(host, "POST", f"/admin/functions/{function}", {"input": input_})
