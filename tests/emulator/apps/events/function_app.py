"""Emits framework events from inside a function, sync and async."""

import azure.functions as func

from framework import events

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%Q%-sync", connection="AzureWebJobsStorage")
def emits_sync(msg: func.QueueMessage) -> None:
    events.emit("operation.start", operation="sync-step")


@app.queue_trigger(arg_name="msg", queue_name="%Q%-async", connection="AzureWebJobsStorage")
async def emits_async(msg: func.QueueMessage) -> None:
    events.emit("entity.persisted", entity="order")
