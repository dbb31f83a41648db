"""A deployment folder as the Functions host reads it: ``host.json`` and ``local.settings.json``.

Defaults are the real host's (runtime 4.x, see FIDELITY.md) with two local departures, both documented on the
fields: ``functionTimeout`` defaults to 5 minutes (the Consumption plan's default) and the idle polling interval of
a queue is capped at :data:`LOCAL_MAX_POLLING_INTERVAL_S` so a message sent to an idle queue is picked up quickly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from emulator.app.settings_checks import check_is_encrypted, check_route_prefix, host_json_warnings, local_values
from framework.errors import ConfigurationError

Encoding = Literal["base64", "none"]

#: Locally a queue idle for long is still polled at least this often (the real host waits up to a minute).
LOCAL_MAX_POLLING_INTERVAL_S = 0.25
#: The Consumption plan's default function timeout, used when host.json sets none.
DEFAULT_FUNCTION_TIMEOUT_S = 300.0

_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$")


class DeploymentError(ConfigurationError):
    """host.json or local.settings.json is missing, is not valid JSON, or holds a bad value."""


def parse_timespan(value: object, *, key: str, file: Path) -> float:
    """Seconds in a .NET TimeSpan text such as ``00:05:00`` or ``1.02:00:00`` (``d.hh:mm:ss.fff``)."""
    match = _TIMESPAN.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise DeploymentError(
            f"{file}: {key} is {value!r}, not a timespan.",
            hint=f'write {key} as "hh:mm:ss", for example "00:05:00"',
        )
    days, hours, minutes, seconds, fraction = match.groups()
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0)
    return total + (float(f"0.{fraction}") if fraction else 0.0)


@dataclass(frozen=True)
class QueueSettings:
    """``extensions.queues`` of host.json."""

    #: Messages fetched per poll (1-32).
    batch_size: int = 16
    #: Fetch another batch when the number of messages in flight drops to this (default batchSize/2).
    new_batch_threshold: int = 8
    #: Longest wait between polls of an empty queue, in seconds, as host.json says (default one minute).
    max_polling_interval_s: float = 60.0
    #: Delay before a failed message is visible again, in seconds.
    visibility_timeout_s: float = 0.0
    #: Attempts before a failing message moves to ``<queue>-poison``.
    max_dequeue_count: int = 5
    #: How message text encodes the body.
    message_encoding: Encoding = "base64"

    @property
    def local_polling_cap_s(self) -> float:
        """The idle polling interval the emulator uses: host.json's, capped at the local maximum."""
        return min(self.max_polling_interval_s, LOCAL_MAX_POLLING_INTERVAL_S)


@dataclass(frozen=True)
class HttpSettings:
    """``extensions.http`` of host.json."""

    #: The URL prefix of HTTP functions (``api`` gives ``/api/<route>``; empty means none).
    route_prefix: str = "api"


@dataclass(frozen=True)
class HostConfig:
    """What host.json says."""

    #: Seconds a function may run; None for no limit (``"-1"``). Default 5 minutes (Consumption plan).
    function_timeout_s: float | None = DEFAULT_FUNCTION_TIMEOUT_S
    queues: QueueSettings = field(default_factory=QueueSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    #: The ``functions`` list: only these run. None means all.
    functions: tuple[str, ...] | None = None


@dataclass(frozen=True)
class LocalSettings:
    """What local.settings.json says."""

    #: ``Values``: environment variables for the worker.
    values: dict[str, str] = field(default_factory=dict)
    #: ``Host.LocalHttpPort``.
    http_port: int = 7071

    def is_disabled(self, function_name: str) -> bool:
        """True when ``AzureWebJobs.<name>.Disabled`` is set to true (or 1)."""
        flag = self.values.get(f"AzureWebJobs.{function_name}.Disabled", "")
        return flag.strip().lower() in {"true", "1"}


@dataclass(frozen=True)
class Deployment:
    """A deployment folder and its configuration."""

    #: The folder holding function_app.py.
    path: Path
    host: HostConfig
    local: LocalSettings
    #: What the host would silently ignore (unknown host.json keys, an empty setting name): said at start-up.
    warnings: tuple[str, ...] = ()

    @property
    def function_app(self) -> Path:
        """The function_app.py file."""
        return self.path / "function_app.py"


def load_deployment(path: Path) -> Deployment:
    """Read ``path``'s host.json (required) and local.settings.json (optional, as with ``func start``)."""
    path = Path(path).resolve()
    if not (path / "function_app.py").is_file():
        raise DeploymentError(
            f"{path} is not a deployment: it has no function_app.py.",
            hint="point at the folder that holds function_app.py and host.json",
        )
    host_file = path / "host.json"
    if not host_file.is_file():
        raise DeploymentError(
            f"{host_file} is missing.", hint='create it with at least {"version": "2.0"} (the Functions host needs it)'
        )
    local_file = path / "local.settings.json"
    local_data = read_json(local_file) if local_file.is_file() else {}
    local = parse_local_settings(local_data, local_file) if local_file.is_file() else LocalSettings()
    host_data = read_json(host_file)
    warnings = host_json_warnings(_lower_keys(host_data), host_file)
    if isinstance(local_data.get("Values"), dict):
        warnings += local_values(local_data["Values"], local_file)[1]
    return Deployment(path, parse_host_json(host_data, host_file), local, tuple(warnings))


def read_json(file: Path) -> dict[str, Any]:
    """The JSON object in ``file``; a syntax error names the line and column."""
    try:
        data = json.loads(file.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise DeploymentError(
            f"{file}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
            hint="fix the JSON there: double-quoted keys and strings, no trailing commas, no comments",
        ) from exc
    except OSError as exc:
        raise DeploymentError(f"Cannot read {file}: {exc.strerror}.", hint="check the file's permissions") from exc
    if not isinstance(data, dict):
        raise DeploymentError(f"{file} must hold a JSON object, not {type(data).__name__}.", hint="wrap it in {...}")
    return data


def parse_host_json(data: dict[str, Any], file: Path) -> HostConfig:
    """The :class:`HostConfig` in host.json's ``data`` (keys are case-insensitive, as the host reads them)."""
    data = _lower_keys(data)
    if data.get("version") != "2.0":
        raise DeploymentError(
            f'{file}: version is {data.get("version")!r}; the Functions host 4.x reads only "2.0".',
            hint='set "version": "2.0"',
        )
    timeout: float | None = DEFAULT_FUNCTION_TIMEOUT_S
    raw_timeout = data.get("functiontimeout")
    if raw_timeout is not None:
        timeout = (
            None if str(raw_timeout).strip() == "-1" else parse_timespan(raw_timeout, key="functionTimeout", file=file)
        )
    extensions = _object(data, "extensions", file)
    functions = data.get("functions")
    if functions is not None and not (isinstance(functions, list) and all(isinstance(f, str) for f in functions)):
        raise DeploymentError(f"{file}: functions must be a list of function names.", hint='e.g. "functions": ["a"]')
    return HostConfig(
        function_timeout_s=timeout,
        queues=_queue_settings(_object(extensions, "queues", file, "extensions."), file),
        http=HttpSettings(route_prefix=_route_prefix(_object(extensions, "http", file, "extensions."), file)),
        functions=tuple(functions) if functions is not None else None,
    )


def _route_prefix(http: dict[str, Any], file: Path) -> str:
    return check_route_prefix(str(http.get("routeprefix", "api")), file)


def _lower_keys(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every object key lower-cased, at any depth."""
    return {k.lower(): _lower_keys(v) if isinstance(v, dict) else v for k, v in data.items()}


def _object(data: dict[str, Any], key: str, file: Path, prefix: str = "") -> dict[str, Any]:
    value = data.get(key, data.get(key.lower(), {}))
    if not isinstance(value, dict):
        raise DeploymentError(f"{file}: {prefix}{key} must be an object.", hint=f"write {prefix}{key} as {{...}}")
    return value


def _int(data: dict[str, Any], key: str, default: int, low: int, high: int, file: Path) -> int:
    value = data.get(key.lower(), default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise DeploymentError(
            f"{file}: extensions.queues.{key} is {value!r}; it must be a whole number from {low} to {high}.",
            hint=f"set extensions.queues.{key} within {low}..{high} (default {default})",
        )
    return value


def _queue_settings(data: dict[str, Any], file: Path) -> QueueSettings:
    batch = _int(data, "batchSize", 16, 1, 32, file)
    threshold = _int(data, "newBatchThreshold", batch // 2, 0, 1000, file)
    polling = parse_timespan(
        data.get("maxpollinginterval", "00:01:00"), key="extensions.queues.maxPollingInterval", file=file
    )
    if polling < 0.1:
        raise DeploymentError(
            f"{file}: extensions.queues.maxPollingInterval is {polling * 1000:.0f} ms; the minimum is 100 ms.",
            hint='set it to "00:00:00.100" or more',
        )
    visibility = parse_timespan(
        data.get("visibilitytimeout", "00:00:00"), key="extensions.queues.visibilityTimeout", file=file
    )
    encoding = str(data.get("messageencoding", "base64")).lower()
    if encoding not in ("base64", "none"):
        raise DeploymentError(
            f"{file}: extensions.queues.messageEncoding is {data['messageencoding']!r}.",
            hint='use "base64" (the default) or "none"',
        )
    return QueueSettings(
        batch_size=batch,
        new_batch_threshold=threshold,
        max_polling_interval_s=polling,
        visibility_timeout_s=visibility,
        max_dequeue_count=_int(data, "maxDequeueCount", 5, 1, 10_000, file),
        message_encoding=encoding,  # type: ignore[arg-type]
    )


def parse_local_settings(data: dict[str, Any], file: Path) -> LocalSettings:
    """The :class:`LocalSettings` in local.settings.json's ``data``."""
    if check_is_encrypted(data, file):
        raise DeploymentError(
            f"{file}: IsEncrypted is true; the emulator reads plain settings only.",
            hint='decrypt it (func settings decrypt) or set "IsEncrypted": false with plain Values',
        )
    values = local_values(_object(data, "Values", file), file)[0]
    for key, value in values.items():
        if isinstance(value, dict | list):
            raise DeploymentError(
                f"{file}: Values.{key} is a JSON {type(value).__name__}; app settings are strings.",
                hint=f"write Values.{key} as a string (JSON-encode it if it holds a structure)",
            )
    port = _object(data, "Host", file).get("LocalHttpPort", 7071)
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise DeploymentError(f"{file}: Host.LocalHttpPort is {port!r}.", hint="set a port number from 1 to 65535")
    as_text = {k: v if isinstance(v, str) else json.dumps(v) if v is not None else "" for k, v in values.items()}
    return LocalSettings(values=as_text, http_port=port)
