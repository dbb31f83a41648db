"""Blob-triggered functions: one that reports what it got (and copies the blob), one that always fails."""

import json

import azure.functions as func

app = func.FunctionApp()
C = "AzureWebJobsStorage"


@app.blob_trigger(arg_name="blob", path="%CONTAINER%/in/{name}.txt", connection=C)
@app.blob_output(arg_name="copy", path="%CONTAINER%/copies/{name}.copy", connection=C)
@app.queue_output(arg_name="$return", queue_name="%Q%-seen", connection=C)
def on_blob(blob: func.InputStream, copy: func.Out[bytes]) -> str:
    data = blob.read()
    copy.set(data)
    return json.dumps({"name": blob.name, "length": blob.length, "uri": blob.uri, "body": data.decode()})


@app.blob_trigger(arg_name="blob", path="%CONTAINER%/fail/{name}", connection=C)
def always_fails(blob: bytes) -> None:
    raise ValueError(f"cannot handle {len(blob)} bytes")
