"""A deployment whose functions say which version of the code served them (the dev tests edit VERSION)."""

import json

import azure.functions as func

VERSION = "v1"
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%OUT_QUEUE%", connection="AzureWebJobsStorage")
def relay(msg: func.QueueMessage) -> str:
    return json.dumps({"version": VERSION, "body": msg.get_json(), "dequeue_count": msg.dequeue_count})


@app.route(route="version", methods=["GET"])
def version(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(VERSION)
