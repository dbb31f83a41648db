"""Binding plumbing around the values: ``func.Out``, binding expressions, queue names, trigger metadata.

The values themselves convert through azure.functions' converters (:mod:`emulator.conversion.converters`) and the
host's side (:mod:`emulator.conversion.host_values`). Pure functions and small types, no I/O:
:mod:`emulator.runtime.storage` does the sending and reading.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import azure.functions as func

from framework.context import current_settings
from framework.errors import ExchangeError
from framework.queues import InvalidQueueNameError, validate_queue_name

T = TypeVar("T")
_EXPRESSION = re.compile(r"\{([^{}]+)\}")
_APP_SETTING = re.compile(r"%([^%]+)%")


class BindingError(ExchangeError):
    """A binding's value or expression cannot be used (named function and binding)."""


class Out(func.Out[T], Generic[T]):
    """The concrete ``func.Out`` handed to a function for each output parameter."""

    def __init__(self) -> None:
        self._value: T | None = None
        self.was_set = False

    def set(self, val: T) -> None:
        """Set the value to send when the function returns."""
        self._value = val
        self.was_set = True

    def get(self) -> T:
        """The value set so far (None if none)."""
        return self._value  # type: ignore[return-value]


def resolve_app_settings(text: str, *, where: str) -> str:
    """Replace ``%Name%`` with the app setting ``Name`` (queue names and paths may use them, as on Azure).

    The settings are those of the runtime in force: the host's own while it prepares, starts and invokes.
    """
    settings = current_settings()

    def setting(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in settings:
            raise BindingError(f"{where}: app setting %{name}% is not set.", hint=f"add {name} to local.settings.json")
        return settings[name]

    return _APP_SETTING.sub(setting, text)


def resolve_expression(template: str, metadata: Mapping[str, Any], *, where: str) -> str:
    """Fill ``{name}`` from trigger metadata (case-insensitive) and ``{rand-guid}`` / ``{datetime}`` built-ins."""
    lowered = {k.lower(): v for k, v in metadata.items()}
    now = datetime.now(UTC)

    def value(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        low = key.lower()
        if low in ("rand-guid", "sys.randguid"):
            return str(uuid.uuid4())
        if low in ("datetime", "sys.utcnow"):
            return now.strftime("%Y-%m-%dT%H-%M-%SZ")
        if low in lowered and lowered[low] is not None:
            return str(lowered[low])
        raise BindingError(
            f"{where}: binding expression {{{key}}} has no value; the trigger gave {sorted(metadata) or 'nothing'}.",
            hint="use a property of the trigger (e.g. a top-level field of a JSON queue message), {rand-guid} or "
            "{datetime}",
        )

    return _EXPRESSION.sub(value, resolve_app_settings(template, where=where))


def json_object(text: str | None) -> dict[str, Any] | None:
    """``text`` parsed as a JSON object, or None when it is not one."""
    if not text or not text.lstrip().startswith("{"):
        return None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):  # deep nesting: no metadata from it; the function still runs, as on Azure
        return None
    return parsed if isinstance(parsed, dict) else None


def queue_name(template: str, *, where: str, metadata: Mapping[str, Any] | None = None) -> str:
    """A binding's queue name with settings and expressions filled in, checked against Azure's naming rules."""
    name = resolve_expression(template, metadata or {}, where=where)
    try:
        return validate_queue_name(name.lower())
    except InvalidQueueNameError as exc:
        raise BindingError(f"{where}: queue name {name!r} is not valid.", hint=exc.hint) from exc


def queue_metadata(message: func.QueueMessage, body_text: str | None) -> dict[str, Any]:
    """The trigger metadata of a queue message, for binding expressions (top-level JSON fields included)."""
    parsed = json_object(body_text) or {}
    metadata: dict[str, Any] = {k: v for k, v in parsed.items() if isinstance(v, str | int | float | bool)}
    metadata.update(
        {
            "QueueTrigger": body_text,
            "Id": message.id,
            "DequeueCount": message.dequeue_count,
            "PopReceipt": message.pop_receipt,
            "InsertionTime": message.insertion_time,
            "ExpirationTime": message.expiration_time,
            "NextVisibleTime": message.time_next_visible,
        }
    )
    return metadata
