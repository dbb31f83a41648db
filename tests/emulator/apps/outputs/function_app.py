"""Every shape of queue output the worker accepts, sync and async."""

import json
import typing

import azure.functions as func

app = func.FunctionApp()
C = "AzureWebJobsStorage"


@app.queue_trigger(arg_name="msg", queue_name="%Q%-str", connection=C)
@app.queue_output(arg_name="out", queue_name="%Q%-out", connection=C)
def out_str(msg: func.QueueMessage, out: func.Out[str]) -> None:
    out.set("str:" + msg.get_body().decode())


@app.queue_trigger(arg_name="msg", queue_name="%Q%-list", connection=C)
@app.queue_output(arg_name="out", queue_name="%Q%-out", connection=C)
def out_list(msg: func.QueueMessage, out: func.Out[typing.List[str]]) -> None:  # noqa: UP006
    # typing.List, not list[str]: the worker refuses to load func.Out[list[str]] ("invalid non-type annotation")
    out.set([f"item{i}:" + msg.get_body().decode() for i in range(3)])


@app.queue_trigger(arg_name="msg", queue_name="%Q%-bytes", connection=C)
@app.queue_output(arg_name="out", queue_name="%Q%-out", connection=C)
def out_bytes(msg: func.QueueMessage, out: func.Out[bytes]) -> None:
    out.set(b"bytes:" + msg.get_body())


@app.queue_trigger(arg_name="msg", queue_name="%Q%-qm", connection=C)
@app.queue_output(arg_name="out", queue_name="%Q%-out", connection=C)
def out_queue_message(msg: func.QueueMessage, out: func.Out[func.QueueMessage]) -> None:
    out.set(func.QueueMessage(body=b"qm:" + msg.get_body()))


@app.queue_trigger(arg_name="msg", queue_name="%Q%-multi", connection=C)
@app.queue_output(arg_name="first", queue_name="%Q%-first", connection=C)
@app.queue_output(arg_name="second", queue_name="%Q%-second", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-ret", connection=C)
def several_outputs(msg: func.QueueMessage, first: func.Out[str], second: func.Out[str]) -> str:
    # a str: the worker refuses "-> dict" on a queue output at indexing, and would send a dict's keys
    first.set("first")
    second.set("second")
    return json.dumps({"returned": msg.get_json()})


@app.queue_trigger(arg_name="msg", queue_name="%Q%-async", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-out", connection=C)
async def async_return(msg: func.QueueMessage) -> str:
    return "async:" + msg.get_body().decode()


@app.queue_trigger(arg_name="msg", queue_name="%Q%-plain", connection=C)
@app.queue_output(arg_name="out", queue_name="%Q%-out", connection=C)
def str_trigger(msg: str, out: func.Out[str]) -> None:
    out.set(f"plain:{type(msg).__name__}:{msg}")
