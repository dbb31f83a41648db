"""A function that asks for the invocation context."""

import json
import logging

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%OUT_QUEUE%", connection="AzureWebJobsStorage")
def with_context(msg: func.QueueMessage, context: func.Context) -> str:
    logging.info("handling message %s", msg.id)
    return json.dumps(
        {
            "invocation_id": context.invocation_id,
            "function_name": context.function_name,
            "trace_parent": context.trace_context.trace_parent,
        }
    )
