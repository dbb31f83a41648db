"""A function that always fails."""

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%OUT_QUEUE%", connection="AzureWebJobsStorage")
def always_fails(msg: func.QueueMessage) -> str:
    raise RuntimeError(f"boom on attempt {msg.dequeue_count}")
