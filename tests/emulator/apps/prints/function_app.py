"""Prints at import and in a function: it must not reach the worker's protocol channel."""

import azure.functions as func

print("printed at import")
app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
def prints(msg: func.QueueMessage) -> None:
    print("printed by the function")
