"""A queue $return annotated dict: the queue converter does not take dict annotations."""

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="refused", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="refused-out", connection="AzureWebJobsStorage")
def dict_return(msg: func.QueueMessage) -> dict:
    return {}
