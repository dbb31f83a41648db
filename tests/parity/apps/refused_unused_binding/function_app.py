"""A binding with no parameter."""

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="refused", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="out", queue_name="refused-out", connection="AzureWebJobsStorage")
def unused(msg: func.QueueMessage) -> None:
    pass
