"""func.Out[list[str]]: the worker's typing check does not see list[str] as a type and refuses the app."""

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="refused", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="out", queue_name="refused-out", connection="AzureWebJobsStorage")
def builtin_list(msg: func.QueueMessage, out: func.Out[list[str]]) -> None:
    pass
