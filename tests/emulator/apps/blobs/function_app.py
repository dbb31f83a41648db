"""A blob written by one function and read by another through bindings."""

import json

import azure.functions as func

app = func.FunctionApp()
C = "AzureWebJobsStorage"


@app.queue_trigger(arg_name="msg", queue_name="%Q%-write", connection=C)
@app.blob_output(arg_name="blob", path="%CONTAINER%/{name}.txt", connection=C)
def write_blob(msg: func.QueueMessage, blob: func.Out[str]) -> None:
    blob.set(msg.get_json()["text"])


@app.queue_trigger(arg_name="msg", queue_name="%Q%-read", connection=C)
# data_type STRING: without it the host sends bytes and a `str` parameter receives bytes, as on Azure
@app.blob_input(arg_name="blob", path="%CONTAINER%/{name}.txt", connection=C, data_type="STRING")
@app.queue_output(arg_name="$return", queue_name="%Q%-out", connection=C)
def read_blob(msg: func.QueueMessage, blob: str) -> str:
    return json.dumps({"name": msg.get_json()["name"], "content": blob})


@app.queue_trigger(arg_name="msg", queue_name="%Q%-stream", connection=C)
@app.blob_input(arg_name="blob", path="%CONTAINER%/{name}.txt", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-out", connection=C)
async def read_blob_stream(msg: func.QueueMessage, blob: func.InputStream) -> str:
    return json.dumps({"stream": blob.read().decode(), "blob_name": blob.name, "length": blob.length})
