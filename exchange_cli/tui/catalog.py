"""The deployment's declared functions, as the TUI sees them from outside the host.

The TUI runs in another process than the workers, so it cannot index ``function_app.py`` itself. It asks the
running host (``GET /admin/functions``) and falls back to the function list of the journal's newest
``host.start`` entry, which also works after the host has stopped. Both carry function.json-shaped dicts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.dev.state import DevState
from exchange_cli.tui.feed import JournalFeed

_DETAIL_KEYS = ("queueName", "schedule", "route", "path", "tableName")
_SETTING = re.compile(r"%([^%]+)%")


@dataclass(frozen=True)
class FunctionSpec:
    """One declared function."""

    name: str
    #: ``queue``, ``timer``, ``http``, ``blob``, ...
    trigger: str
    #: The trigger's queue name, schedule, route or path.
    trigger_detail: str = ""
    #: Output bindings as ``type:target`` (``queue:next-stage``, ``blob:out/{id}``, ``http``).
    outputs: tuple[str, ...] = ()
    disabled: bool = False
    #: ``"<binding>, <why>"`` when the host does not run the function locally (its binding is not emulated).
    not_run: str | None = None
    #: ``Name.Disabled`` style state text from the host, when it says more than enabled/disabled.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def trigger_queue(self) -> str | None:
        """The queue that triggers the function, if it is queue-triggered."""
        return self.trigger_detail.lower() if self.trigger == "queue" and self.trigger_detail else None

    @property
    def output_queues(self) -> list[str]:
        """The queues its output bindings write to."""
        return [o.split(":", 1)[1].lower() for o in self.outputs if o.startswith("queue:")]


def _settings(binding: dict[str, Any]) -> dict[str, Any]:
    return {**binding, **(binding.get("settings") or {})}


def resolve_settings(text: str, settings: Mapping[str, str]) -> str:
    """``%NAME%`` replaced by the app setting, as the host does for queue names and paths (unknown names stay)."""
    return _SETTING.sub(lambda m: settings.get(m.group(1), m.group(0)), text)


def _detail(binding: dict[str, Any], settings: Mapping[str, str] = {}) -> str:
    values = _settings(binding)
    return resolve_settings(next((str(values[k]) for k in _DETAIL_KEYS if values.get(k)), ""), settings)


def _is_out(binding: dict[str, Any]) -> bool:
    return binding.get("direction") in ("out", "inout", 1, 2)


def parse_function(raw: dict[str, Any], settings: Mapping[str, str] = {}) -> FunctionSpec:
    """A spec from a function.json-shaped dict (``trigger`` may be a dict, or folded into ``bindings``)."""
    bindings = [b for b in raw.get("bindings", []) if isinstance(b, dict)]
    trigger = raw.get("trigger")
    if not isinstance(trigger, dict):  # /admin/functions: the trigger's kind, its binding among the others
        trigger = next((b for b in bindings if str(b.get("type", "")).endswith("Trigger")), {"type": trigger or "?"})
    bindings = [b for b in bindings if b is not trigger]
    outputs = tuple(
        f"{b.get('type')}:{_detail(b, settings)}" if _detail(b) else str(b.get("type")) for b in bindings if _is_out(b)
    )
    return FunctionSpec(
        name=str(raw.get("name", "?")),
        trigger=str(trigger.get("type", "?")).removesuffix("Trigger"),
        trigger_detail=_detail(trigger, settings),
        outputs=outputs,
        disabled=bool(raw.get("disabled", False)) or raw.get("state") == "disabled",
        not_run=str(raw["notRunLocally"]) if raw.get("notRunLocally") else None,
    )


def parse_functions(payload: Any, settings: Mapping[str, str] = {}) -> list[FunctionSpec]:
    """Specs from ``{"functions": [...]}`` or a bare list of dicts (or of bare names, as ``host.start`` has)."""
    items = payload.get("functions", []) if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        return []
    not_run = payload.get("not_run") if isinstance(payload, dict) else None  # host.start: names and reasons
    reasons = not_run if isinstance(not_run, dict) else {}
    return [
        parse_function(item if isinstance(item, dict) else {"name": item, "notRunLocally": reasons.get(item)}, settings)
        for item in items
    ]


def load(host: DevState | None, feed: JournalFeed, settings: Mapping[str, str] = {}) -> list[FunctionSpec]:
    """The declared functions: from the running host if it answers, else from the journal.

    The journal's ``host.start`` entry may list only the names; triggers then come from the traffic seen.
    """
    from emulator.client.admin import HostUnreachableError, request

    if host is not None:
        try:
            status, body = request(host, "GET", "/admin/functions", timeout=3.0)
        except HostUnreachableError:
            status, body = 0, None
        if status == 200 and (specs := parse_functions(body, settings)):
            return specs
    started = feed.latest("host.start")
    return parse_functions(started.data, settings) if started is not None else []
