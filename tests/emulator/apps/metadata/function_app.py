"""Reports the queue message the function saw (as the worker's own emulator tests do)."""

import json

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%OUT_QUEUE%", connection="AzureWebJobsStorage")
def report_metadata(msg: func.QueueMessage) -> str:
    return json.dumps(
        {
            "id": msg.id,
            "body": msg.get_body().decode(),
            "json": msg.get_json(),
            "dequeue_count": msg.dequeue_count,
            "insertion_time": msg.insertion_time.isoformat() if msg.insertion_time else None,
            "expiration_time": msg.expiration_time.isoformat() if msg.expiration_time else None,
            "time_next_visible": msg.time_next_visible.isoformat() if msg.time_next_visible else None,
            "pop_receipt": msg.pop_receipt,
        }
    )
