"""A context parameter annotated with something other than func.Context."""

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="refused", connection="AzureWebJobsStorage")
def wrong_context(msg: func.QueueMessage, context: str) -> None:
    pass
