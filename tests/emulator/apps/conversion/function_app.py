"""Conversion edges against a real poller: deeply nested JSON, and a dict handed to a queue output."""

import azure.functions as func

app = func.FunctionApp()
C = "AzureWebJobsStorage"


@app.queue_trigger(arg_name="msg", queue_name="%Q%-deep", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-deep-out", connection=C)
def deep_untouched(msg: func.QueueMessage) -> str:
    return str(len(msg.get_body()))


@app.queue_trigger(arg_name="msg", queue_name="%Q%-parse", connection=C)
def deep_parsed(msg: func.QueueMessage) -> None:
    msg.get_json()  # RecursionError inside the function's own call, as under the real worker


@app.queue_trigger(arg_name="msg", queue_name="%Q%-ids", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-ids-out", connection=C)
def report_id(msg: func.QueueMessage) -> str:
    return str(msg.id)


@app.queue_trigger(arg_name="msg", queue_name="%Q%-dict", connection=C)
@app.queue_output(arg_name="out", queue_name="%Q%-dict-out", connection=C)
def dict_out(msg: func.QueueMessage, out: func.Out[func.QueueMessage]) -> None:
    out.set({"id": 1})  # type: ignore[arg-type]
