"""Edge cases of conversion: each function is one case of tests/parity (run by the real runtime and the emulator)."""

import json
import typing

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
C = "AzureWebJobsStorage"


@app.route(route="response")
def http_response(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("made " + req.params.get("n", ""), status_code=201)


@app.route(route="str")
def http_str(req: func.HttpRequest) -> str:
    return "plain text"


@app.route(route="dict")
def http_dict(req: func.HttpRequest):  # type: ignore[no-untyped-def]
    return {"a": 1}


@app.route(route="bytes")
def http_bytes(req: func.HttpRequest):  # type: ignore[no-untyped-def]
    return b"raw"


@app.route(route="none")
def http_none(req: func.HttpRequest):  # type: ignore[no-untyped-def]
    return None  # unannotated: "-> None" on a $return http binding does not even load (refused_http_none)


@app.route(route="noreturn", binding_arg_name="resp")
def http_no_return_binding(req: func.HttpRequest, resp: func.Out[func.HttpResponse]) -> None:
    resp.set(func.HttpResponse("set"))
    return "returned anyway"  # type: ignore[return-value]


@app.route(route="outstr42")
@app.queue_output(arg_name="out", queue_name="%Q%-out-str-int", connection=C)
def out_str_int(req: func.HttpRequest, out: func.Out[str]) -> str:
    out.set(42)  # type: ignore[arg-type]
    return "ok"


@app.route(route="outlistbytes")
@app.queue_output(arg_name="out", queue_name="%Q%-out-list-of-bytes", connection=C)
def out_list_of_bytes(req: func.HttpRequest, out: func.Out[typing.List[str]]) -> str:  # noqa: UP006
    out.set([b"a", b"b"])  # type: ignore[list-item]
    return "ok"


@app.route(route="outdict")
@app.queue_output(arg_name="out", queue_name="%Q%-out-dict", connection=C)
def out_dict(req: func.HttpRequest, out: func.Out[func.QueueMessage]) -> str:
    out.set({"id": 1, "name": "x"})  # type: ignore[arg-type]
    return "ok"


@app.route(route="outstr")
@app.queue_output(arg_name="out", queue_name="%Q%-out-str", connection=C)
def out_str(req: func.HttpRequest, out: func.Out[str]) -> str:
    out.set("hello")
    return "ok"


@app.route(route="outbytes")
@app.queue_output(arg_name="out", queue_name="%Q%-out-bytes", connection=C)
def out_bytes(req: func.HttpRequest, out: func.Out[bytes]) -> str:
    out.set(b"raw bytes")
    return "ok"


@app.route(route="outqm")
@app.queue_output(arg_name="out", queue_name="%Q%-out-queue-message", connection=C)
def out_queue_message(req: func.HttpRequest, out: func.Out[func.QueueMessage]) -> str:
    out.set(func.QueueMessage(body="qm body"))
    return "ok"


@app.route(route="outlist")
@app.queue_output(arg_name="out", queue_name="%Q%-out-list", connection=C)
def out_list(req: func.HttpRequest, out: func.Out[typing.List[str]]) -> str:  # noqa: UP006
    out.set(["one", "two"])
    return "ok"


@app.route(route="outunset")
@app.queue_output(arg_name="out", queue_name="%Q%-out-unset", connection=C)
def out_unset(req: func.HttpRequest, out: func.Out[str]) -> str:
    return "nothing set"


@app.queue_trigger(arg_name="msg", queue_name="%Q%-in-str", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-trigger-str", connection=C)
def trigger_str(msg: str) -> str:
    return f"{type(msg).__name__}:{msg}"


@app.queue_trigger(arg_name="msg", queue_name="%Q%-in-bytes", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-trigger-bytes", connection=C)
def trigger_bytes(msg: bytes) -> str:
    return f"{type(msg).__name__}"


@app.queue_trigger(arg_name="msg", queue_name="%Q%-in-qm", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-trigger-message", connection=C)
def trigger_message(msg: func.QueueMessage) -> str:
    return json.dumps({"body": msg.get_body().decode(), "id": msg.id, "dequeue_count": msg.dequeue_count})


@app.queue_trigger(arg_name="msg", queue_name="%Q%-in-deep", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-trigger-deep-json", connection=C)
def trigger_deep_json(msg: func.QueueMessage) -> str:
    return str(len(json.dumps(msg.get_json())))


@app.queue_trigger(arg_name="msg", queue_name="%Q%-in-none", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-queue-return-none", connection=C)
def queue_return_none(msg: func.QueueMessage):  # type: ignore[no-untyped-def]
    return None


@app.queue_trigger(arg_name="msg", queue_name="%Q%-in-plain", connection=C)
def queue_no_outputs_returns(msg: func.QueueMessage) -> None:
    return "a value"  # type: ignore[return-value]


@app.route(route="outresp", binding_arg_name="resp")
def http_out_response(req: func.HttpRequest, resp: func.Out[func.HttpResponse]) -> None:
    resp.set(func.HttpResponse("via out", status_code=202))


@app.route(route="async")
async def http_async(req: func.HttpRequest) -> str:
    return "async text"


@app.route(route="context")
def http_context(req: func.HttpRequest, context: func.Context) -> str:
    return context.function_name


@app.route(route="int")
def http_int(req: func.HttpRequest):  # type: ignore[no-untyped-def]
    return 7


@app.route(route="reqstr")
def http_request_as_str(req: str) -> str:
    return req


@app.route(route="genericdict")
@app.queue_output(arg_name="out", queue_name="%Q%-out-generic-dict", connection=C)
def out_generic_dict(req: func.HttpRequest, out: func.Out[str]) -> str:
    out.set({"a": 1})  # type: ignore[arg-type]
    return "ok"


@app.route(route="genericbool")
@app.queue_output(arg_name="out", queue_name="%Q%-out-generic-bool", connection=C)
def out_generic_bool(req: func.HttpRequest, out: func.Out[str]) -> str:
    out.set(True)  # type: ignore[arg-type]
    return "ok"


@app.route(route="tuple")
@app.queue_output(arg_name="out", queue_name="%Q%-out-tuple", connection=C)
def out_tuple(req: func.HttpRequest, out: func.Out[typing.List[str]]) -> str:  # noqa: UP006
    out.set(("x", "y"))  # type: ignore[arg-type]
    return "ok"


@app.queue_trigger(arg_name="msg", queue_name="%Q%-in-untyped", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-trigger-untyped", connection=C)
def trigger_untyped(msg) -> str:  # type: ignore[no-untyped-def]
    return type(msg).__name__


B = "%Q%-blobs/in.txt"


@app.route(route="blobstr")
@app.blob_input(arg_name="file", path=B, connection=C)
def blob_str(req: func.HttpRequest, file: str) -> str:
    return type(file).__name__  # bytes: without data_type the host sends bytes


@app.route(route="blobstrtyped")
@app.blob_input(arg_name="file", path=B, connection=C, data_type="STRING")
def blob_str_typed(req: func.HttpRequest, file: str) -> str:
    return f"{type(file).__name__}:{file}"


@app.route(route="blobbytes")
@app.blob_input(arg_name="file", path=B, connection=C, data_type="BINARY")
def blob_bytes(req: func.HttpRequest, file: bytes) -> str:
    return f"{type(file).__name__}:{file.decode()}"


@app.route(route="blobstream")
@app.blob_input(arg_name="file", path=B, connection=C)
def blob_stream(req: func.HttpRequest, file: func.InputStream) -> str:
    return f"{file.read().decode()}|{file.name}|{file.length}"


@app.route(route="blobmissing")
@app.blob_input(arg_name="file", path="%Q%-blobs/missing.txt", connection=C)
def blob_missing(req: func.HttpRequest, file: func.InputStream) -> str:
    return repr(file)
