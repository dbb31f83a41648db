"""Queue in, the same body out: the benchmark's function."""

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%OUT_QUEUE%", connection="AzureWebJobsStorage")
def passthrough(msg: func.QueueMessage) -> bytes:
    return msg.get_body()
