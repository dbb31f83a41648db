"""Functions that outrun functionTimeout."""

import asyncio
import time

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%Q%-sync", connection="AzureWebJobsStorage")
def slow_sync(msg: func.QueueMessage) -> None:
    time.sleep(float(msg.get_body()))


@app.queue_trigger(arg_name="msg", queue_name="%Q%-async", connection="AzureWebJobsStorage")
async def slow_async(msg: func.QueueMessage) -> None:
    await asyncio.sleep(float(msg.get_body()))
