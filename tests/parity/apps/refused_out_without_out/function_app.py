"""An output parameter annotated str instead of func.Out[str]."""

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="refused", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="out", queue_name="refused-out", connection="AzureWebJobsStorage")
def out_without_out(msg: func.QueueMessage, out: str) -> None:
    pass
