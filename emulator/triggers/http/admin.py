"""The host's admin endpoints: run a non-HTTP function by hand, list the functions, report the host's status.

``POST /admin/functions/<name>`` with ``{"input": "..."}`` runs the function as the Functions host does: a timer
gets a ``TimerRequest`` with ``past_due=False``, a queue function a ``QueueMessage`` whose body is the input; the
answer is 202 Accepted at once, the run goes on in the background (journaled by the invoker). ``?wait=true`` is
an emulator extension for ``exchange trigger``: wait for the run and answer 200 with its outcome. With keys
enforced, every admin endpoint needs the master key.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from azure.functions.queue import QueueMessage

from emulator.app.functions import FunctionInfo
from emulator.conversion import bindings
from emulator.triggers.blob import trigger as blob_trigger
from emulator.triggers.http import host_endpoints as admin_host
from emulator.triggers.http.messages import presented_key
from emulator.triggers.http.state import STATE, HttpState
from emulator.triggers.timer import timer_request

#: A Storage queue message's default time to live.
_MESSAGE_TTL = timedelta(days=7)


def add_routes(app: web.Application) -> None:
    """Register the admin endpoints on ``app``."""
    app.router.add_get("/admin/host/status", host_status)
    app.router.add_get("/admin/host/ping", admin_host.ping, allow_head=False)
    app.router.add_post("/admin/host/ping", admin_host.ping)
    app.router.add_get("/admin/functions", list_functions)
    app.router.add_post("/admin/functions/{name}", run_function)


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


def _state(request: web.Request) -> HttpState:
    state = request.app[STATE]
    if state.keys is not None and not state.keys.allows("admin", None, presented_key(request)):
        raise web.HTTPUnauthorized(text=json.dumps({"error": "the admin endpoints need the master key"}))
    return state


async def host_status(request: web.Request) -> web.Response:
    """``GET /admin/host/status``: the host's ``HostStatus`` (see :mod:`emulator.triggers.http.host_endpoints`)."""
    state = _state(request)
    return web.json_response(admin_host.status_document(state.deployment_dir))


async def list_functions(request: web.Request) -> web.Response:
    """``GET /admin/functions``: name, trigger, bindings and state of every function."""
    state = _state(request)
    return web.json_response([_describe(fn) for fn in state.functions])


def _describe(fn: FunctionInfo) -> dict[str, Any]:
    return {
        "name": fn.name,
        "trigger": fn.trigger_kind,
        "state": "not run locally" if fn.not_run else "disabled" if fn.disabled else "enabled",
        "notRunLocally": fn.not_run,
        "source": fn.source,
        "bindings": [
            {"name": b.name, "type": b.type, "direction": b.direction, **_plain(b.settings)}
            for b in (fn.trigger, *fn.bindings)
        ],
    }


def _plain(settings: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(settings, default=str))


async def run_function(request: web.Request) -> web.Response:
    """``POST /admin/functions/<name>``: run a non-HTTP function with ``{"input": ...}``."""
    state = _state(request)
    name = request.match_info["name"]
    fn = next((f for f in state.functions if f.name.lower() == name.lower()), None)
    if fn is None:
        known = sorted(f.name for f in state.functions)
        return _error(404, f"no function named {name!r} in this deployment", functions=known)
    if fn.trigger_kind == "http":
        return _error(400, f"{fn.name!r} is an HTTP function: call its URL instead of the admin endpoint")
    if fn.not_run is not None:
        return _error(409, f"{fn.name!r} is not run locally: {fn.not_run}")
    try:
        payload = await request.json() if request.can_read_body else {}
    except ValueError:
        return _error(400, 'the body must be JSON such as {"input": "..."}')
    text = payload.get("input", "") if isinstance(payload, dict) else ""
    text = text if isinstance(text, str) else json.dumps(text)
    if fn.trigger_kind == "blob":  # the host reads the input as the blob's path and passes that blob
        try:
            value, details = await blob_trigger.manual_input(state.invoker, fn, text)
        except bindings.BindingError as exc:
            return _error(404, str(exc))
    else:
        value, details = _trigger_value(fn, text)
    invocation = state.invoker.invoke(fn, value, trigger_details=details)
    if request.query.get("wait", "").lower() in ("1", "true", "yes"):
        result = await invocation
        outcome = {"invocation_id": result.invocation_id, "ok": result.ok, "duration_ms": round(result.duration_ms, 3)}
        return web.json_response({**outcome, "error": None if result.error is None else repr(result.error)})
    task: asyncio.Task[Any] = asyncio.ensure_future(invocation)
    state.background.add(task)
    task.add_done_callback(state.background.discard)
    return web.Response(status=202)


def _trigger_value(fn: FunctionInfo, text: str) -> tuple[Any, dict[str, Any]]:
    """What the host hands a function run by hand, and its trigger metadata."""
    if fn.trigger_kind == "timer":
        return timer_request(past_due=False, status=None), {}
    if fn.trigger_kind == "queue":
        now = datetime.now(UTC)
        message = QueueMessage(
            id=str(uuid.uuid4()),
            body=text,
            dequeue_count=1,
            insertion_time=now,
            expiration_time=now + _MESSAGE_TTL,
            time_next_visible=now,
            pop_receipt=None,
        )
        return message, bindings.queue_metadata(message, text)
    return text, {}
