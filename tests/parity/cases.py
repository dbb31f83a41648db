"""The parity cases: the same trigger inputs run through azure-functions-runtime (3.13) and through the emulator.

An outcome is a plain dict: ``ok``, the error class, the HTTP answer (status, body) and the messages each queue
output would carry. ``expected.json`` holds the outcomes recorded from the real runtime
(``python3.13 -m tests.parity.record``); the 3.13 lane checks the runtime still gives them, every lane checks the
emulator does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions.meta import Datum
from azure.functions.queue import QueueMessage

from emulator.conversion import host_values
from emulator.conversion.bindings import BindingError

APPS = Path(__file__).parent / "apps"
EXPECTED = Path(__file__).parent / "expected.json"
#: The value of ``%Q%`` in the edge app's queue names when no real queues are involved.
Q = "parity"
#: Apps the worker refuses to load, each with one function.
REFUSED = [
    "refused_dict_trigger",
    "refused_builtin_list",
    "refused_dict_return",
    "refused_out_without_out",
    "refused_context_type",
    "refused_http_none",
    "refused_unbound_parameter",
    "refused_unused_binding",
]
DEEP = "[" * 15000 + "]" * 15000  # ~30 KB of nesting: json.loads raises RecursionError (issue 14)

#: Edge-app cases: case name → (function, trigger kind, input).
CASES: dict[str, tuple[str, str, str]] = {
    "http returns HttpResponse": ("http_response", "http", "n=1"),
    "http returns str": ("http_str", "http", ""),
    "http returns dict": ("http_dict", "http", ""),
    "http returns bytes": ("http_bytes", "http", ""),
    "http returns None": ("http_none", "http", ""),
    "returns a value without $return": ("http_no_return_binding", "http", ""),
    "Out[str].set(42)": ("out_str_int", "http", ""),
    "Out[List[str]].set([b'a', b'b'])": ("out_list_of_bytes", "http", ""),
    "Out[QueueMessage].set(dict)": ("out_dict", "http", ""),
    "Out[str].set(str)": ("out_str", "http", ""),
    "Out[bytes].set(bytes)": ("out_bytes", "http", ""),
    "Out[QueueMessage].set(QueueMessage)": ("out_queue_message", "http", ""),
    "Out[List[str]].set(list)": ("out_list", "http", ""),
    "Out left unset": ("out_unset", "http", ""),
    "queue trigger annotated str": ("trigger_str", "queue", "hello"),
    "queue trigger annotated bytes": ("trigger_bytes", "queue", "hello"),
    "queue trigger QueueMessage": ("trigger_message", "queue", '{"n": 1}'),
    "deeply nested JSON message": ("trigger_deep_json", "queue", DEEP),
    "queue $return returns None": ("queue_return_none", "queue", "x"),
    "queue function without outputs returns a value": ("queue_no_outputs_returns", "queue", "x"),
    "Out[HttpResponse].set(HttpResponse)": ("http_out_response", "http", ""),
    "async http returns str": ("http_async", "http", ""),
    "context.function_name": ("http_context", "http", ""),
    "http returns int": ("http_int", "http", ""),
    "http trigger annotated str": ("http_request_as_str", "http", ""),
    "Out[str].set(dict)": ("out_generic_dict", "http", ""),
    "Out[str].set(True)": ("out_generic_bool", "http", ""),
    "Out[List[str]].set(tuple)": ("out_tuple", "http", ""),
    "queue trigger unannotated": ("trigger_untyped", "queue", "x"),
    "blob input annotated str": ("blob_str", "http", ""),
    "blob input str, dataType STRING": ("blob_str_typed", "http", ""),
    "blob input bytes, dataType BINARY": ("blob_bytes", "http", ""),
    "blob input InputStream": ("blob_stream", "http", ""),
    "blob input that does not exist": ("blob_missing", "http", ""),
}
#: The blob every blob case reads (``%Q%-blobs/in.txt``), and each blob function's input: (dataType, exists).
BLOB_TEXT = b"blob text"
BLOB_INPUTS: dict[str, tuple[str | None, bool]] = {
    "blob_str": (None, True),
    "blob_str_typed": ("STRING", True),
    "blob_bytes": ("BINARY", True),
    "blob_stream": (None, True),
    "blob_missing": (None, False),
}


def http_request(query: str) -> func.HttpRequest:
    """The request a case's HTTP function gets."""
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    return func.HttpRequest(method="POST", url=f"http://127.0.0.1/api/x?{query}", headers={}, params=params, body=b"")


def queue_message(body: str) -> QueueMessage:
    """The message a case's queue function gets (as the emulator's poller builds it)."""
    now = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
    return QueueMessage(
        id="00000000-0000-0000-0000-000000000001",
        body=body.encode(),
        dequeue_count=1,
        insertion_time=now,
        expiration_time=now + timedelta(days=7),
        time_next_visible=now + timedelta(seconds=30),
        pop_receipt="receipt",
    )


def trigger_value(kind: str, data: str) -> Any:
    """The trigger value of a case."""
    return http_request(data) if kind == "http" else queue_message(data)


def load_failure(message: str) -> dict[str, Any]:
    """The outcome of an app that does not load: the error class and the worker's text (after ``file: ``)."""
    if "FunctionLoadError: " not in message:
        return {"ok": False, "error": message.split(":", 1)[0]}
    text = message.split("FunctionLoadError: ", 1)[1].splitlines()[0]
    return {"ok": False, "error": "FunctionLoadError", "message": text}


def outcome_from_datums(
    ok: bool, error: str | None, outputs: dict[str, Datum], returned: Datum | None, *, return_is_http: bool
) -> dict[str, Any]:
    """A runtime invocation's outcome, with the emulator's host side applied to what the worker produced."""
    if not ok:
        return {"ok": False, "error": error}
    result: dict[str, Any] = {"ok": True, "error": None, "http": None, "messages": []}
    try:
        for datum in outputs.values():
            if datum.type == "http":
                result["http"] = _http(datum, None)
            else:
                result["messages"] += _bodies(datum)
        if returned is not None and return_is_http:
            result["http"] = _http(returned, None)
        elif returned is not None:
            result["messages"] += _bodies(returned)
    except BindingError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return result


def _bodies(datum: Datum) -> list[str]:
    return [b.decode() for b in host_values.queue_bodies(datum, where="parity")]


def _http(datum: Datum, value: Any) -> list[Any]:
    if datum.type == "http":
        return [int(datum.value["status_code"].value), _text(datum.value["body"].value)]
    response = host_values.http_response(datum, value, where="parity")
    assert response is not None
    return [response.status_code, _text(response.get_body())]


def _text(body: Any) -> str:
    return body.decode() if isinstance(body, bytes) else str(body)


def load_expected() -> dict[str, dict[str, Any]]:
    """The recorded outcomes."""
    return json.loads(EXPECTED.read_text())  # type: ignore[no-any-return]
