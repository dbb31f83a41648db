"""A parameter with no binding (a typo in arg_name)."""

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="message", queue_name="refused", connection="AzureWebJobsStorage")
def typo(msg: func.QueueMessage, message: func.QueueMessage) -> None:
    pass
