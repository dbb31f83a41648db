"""The host's side of a conversion: the TypedData it hands the worker, and what it does with the TypedData it gets.

Inputs: a queue message is ``string`` (``bytes`` when the binding says ``dataType: binary`` or the body is not
UTF-8) with its metadata (``Id``, ``DequeueCount``, times, ``PopReceipt``); an HTTP request is ``http``; a timer is
``json`` (``Schedule``, ``ScheduleStatus``, ``IsPastDue``); a blob input is ``bytes`` (``string`` with
``dataType: string``). Outputs: a queue gets one message per ``string``/``bytes`` value and one per item of a
``json`` array; a ``json`` object is a ``func.QueueMessage`` whose ``body`` is the message (the worker's own
end-to-end tests read it back so). Anything else the host cannot store is an error naming the output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import azure.functions as func
from azure.functions.meta import Datum

from emulator.conversion.bindings import BindingError, json_object


@dataclass(frozen=True)
class TriggerInput:
    """A trigger value already in the host's form (a blob trigger, a table row...): hand it to ``Invoker.invoke``."""

    #: The TypedData the host sends for the trigger.
    datum: Datum
    #: The trigger metadata (``BlobTrigger``, ``Uri``, ``Properties``, ...), each a Datum.
    metadata: dict[str, Datum] = field(default_factory=dict)


#: function.json's ``dataType``: indexing keeps the enum's value (azure.functions' DataType: 1 STRING, 2 BINARY)
_DATA_TYPES = {0: "undefined", 1: "string", 2: "binary", 3: "stream"}


def data_type_name(value: Any) -> str:
    """``string``, ``binary``, ``stream`` or ``undefined`` for a binding's ``dataType`` (a name or the enum value)."""
    if isinstance(value, int):
        return _DATA_TYPES.get(value, "undefined")
    return str(value or "undefined").lower()


def trigger_datum(value: Any, *, data_type: Any = None) -> tuple[Datum, dict[str, Datum]]:
    """The TypedData and trigger metadata the host hands the worker for a trigger value."""
    if isinstance(value, TriggerInput):
        return value.datum, dict(value.metadata)
    if isinstance(value, Datum):
        return value, {}
    if isinstance(value, func.QueueMessage):
        return queue_datum(value, data_type=data_type)
    if isinstance(value, func.HttpRequest):
        return http_datum(value), {}
    if isinstance(value, func.TimerRequest):
        return timer_datum(value), {}
    return plain_datum(value), {}


def queue_datum(message: func.QueueMessage, *, data_type: str | None) -> tuple[Datum, dict[str, Datum]]:
    """A queue message as the host sends it to the worker: the body and the trigger metadata."""
    body = message.get_body()
    datum: Datum
    if data_type_name(data_type) == "binary":
        datum = Datum(body, "bytes")
    else:
        try:
            datum = Datum(body.decode("utf-8"), "string")
        except UnicodeDecodeError:
            datum = Datum(body, "bytes")
    metadata = {
        "Id": Datum(message.id, "string"),
        "DequeueCount": Datum(None if message.dequeue_count is None else str(message.dequeue_count), "json"),
        "PopReceipt": Datum(message.pop_receipt, "string"),
        "InsertionTime": _time(message.insertion_time),
        "ExpirationTime": _time(message.expiration_time),
        "NextVisibleTime": _time(message.time_next_visible),
    }
    metadata = {k: v for k, v in metadata.items() if v.value is not None}
    return datum, _with_body_fields(metadata, datum)


def _with_body_fields(metadata: dict[str, Datum], datum: Datum) -> dict[str, Datum]:
    """The host adds a JSON message's top-level fields to the trigger metadata, and they win over its own keys
    (case-insensitively): a body ``{"id": ...}`` becomes ``msg.id`` on Azure too (azure-functions-python-worker
    issue 1373, open). Not JSON, or nested too deeply to parse: the metadata stays as it is."""
    fields = json_object(datum.value) if datum.type == "string" else None
    if not fields:
        return metadata
    by_lower = {key.lower(): key for key in metadata}
    for key, value in fields.items():
        typed = Datum(value, "string") if isinstance(value, str) else Datum(json.dumps(value), "json")
        metadata[by_lower.get(key.lower(), key)] = typed
    return metadata


def _time(value: datetime | None) -> Datum:
    return Datum(None if value is None else json.dumps(value.isoformat()), "json")


def http_datum(request: func.HttpRequest) -> Datum:
    """An HTTP request as the host sends it: method, url, headers, query, route parameters, the raw body."""
    strings = _strings
    return Datum(
        {
            "method": Datum(request.method, "string"),
            "url": Datum(request.url, "string"),
            "headers": strings(request.headers),
            "query": strings(request.params),
            "params": strings(request.route_params),
            "body": Datum(request.get_body(), "bytes"),
        },
        "http",
    )


def _strings(values: Any) -> dict[str, Datum]:
    return {k: Datum(v, "string") for k, v in values.items()}


def timer_datum(request: func.TimerRequest) -> Datum:
    """A timer occurrence as the host sends it (the JSON the ``TimerRequest`` converter reads)."""
    payload = {
        "Schedule": getattr(request, "schedule", {}) or {},
        "ScheduleStatus": getattr(request, "schedule_status", {}) or {},
        "IsPastDue": request.past_due,
    }
    return Datum(json.dumps(payload, default=str), "json")


def plain_datum(value: Any) -> Datum:
    """Any other trigger value (a run by hand through the admin endpoint): text, bytes or JSON."""
    if isinstance(value, bytes | bytearray):
        return Datum(bytes(value), "bytes")
    if isinstance(value, str):
        return Datum(value, "string")
    return Datum(json.dumps(value), "json")


def blob_datum(data: bytes, *, data_type: str | None) -> Datum:
    """A blob input's content: bytes, or text when the binding says ``dataType: string``."""
    if data_type_name(data_type) == "string":
        return Datum(data.decode("utf-8"), "string")
    return Datum(data, "bytes")


def queue_bodies(datum: Datum, *, where: str) -> list[bytes]:
    """The messages the host puts on a queue for an output value."""
    if datum.type is None or datum.value is None:
        return []
    if datum.type in ("json", "dict", "list"):  # the worker sends dicts and lists as json
        parsed = json.loads(datum.value) if datum.type == "json" else datum.value
        items = parsed if isinstance(parsed, list) else [parsed]
        return [_queue_item(item, where=where) for item in items]
    if datum.type in ("string", "bytes"):
        return [_as_bytes(datum.value)]
    raise BindingError(
        f"{where}: the host cannot put a TypedData {datum.type!r} on a queue.",
        hint="set a str, bytes, func.QueueMessage or a list of str/func.QueueMessage",
    )


def _queue_item(item: Any, *, where: str) -> bytes:
    if isinstance(item, dict) and "body" in item:  # a func.QueueMessage, as the converter writes it
        return _as_bytes(item["body"] if isinstance(item["body"], str) else json.dumps(item["body"]))
    if isinstance(item, str):
        return item.encode("utf-8")
    return json.dumps(item).encode("utf-8")


def _as_bytes(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def blob_content(datum: Datum, *, where: str) -> bytes | None:
    """The content the host writes to a blob output (None writes nothing)."""
    if datum.type is None or datum.value is None:
        return None
    if datum.type in ("string", "bytes"):
        return _as_bytes(datum.value)
    if datum.type in ("json", "dict", "list"):
        return (datum.value if isinstance(datum.value, str) else json.dumps(datum.value)).encode("utf-8")
    raise BindingError(f"{where}: the host cannot write a TypedData {datum.type!r} to a blob.", hint="set str or bytes")


def http_response(datum: Datum, value: Any, *, where: str) -> func.HttpResponse | None:
    """The response the host sends for an http output: the function's ``HttpResponse``, or a string body."""
    if datum.type is None:
        return None
    if datum.type == "http" and isinstance(value, func.HttpResponse):
        return value
    if datum.type == "http":  # built by azure-functions-runtime: status, headers and body as the host gets them
        http = datum.value
        headers = {k: v.value for k, v in http["headers"].items()}
        body = http["body"].value
        return func.HttpResponse(body=body, status_code=int(http["status_code"].value), headers=headers)
    if datum.type in ("string", "bytes"):
        return func.HttpResponse(datum.value)
    raise BindingError(
        f"{where}: the host cannot answer an HTTP request with a TypedData {datum.type!r}.",
        hint="return func.HttpResponse (or a str)",
    )
