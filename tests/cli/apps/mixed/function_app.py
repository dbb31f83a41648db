"""A mixed app: functions on bindings exchange does not emulate next to ones it runs (the dev tests edit it)."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello", methods=["GET"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello")


@app.route(route="off", methods=["GET"])
def switched_off(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("should not run")


@app.event_hub_message_trigger(arg_name="event", event_hub_name="telemetry", connection="EventHubConnection")
def from_event_hub(event: func.EventHubEvent) -> None:
    pass


@app.route(route="to-cosmos", methods=["POST"])
@app.cosmos_db_output(arg_name="doc", database_name="db", container_name="c", connection="CosmosDb")
def to_cosmos(req: func.HttpRequest, doc: func.Out[func.Document]) -> func.HttpResponse:
    return func.HttpResponse("stored")


@app.blob_trigger(arg_name="blob", path="%CONTAINER%/{name}", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%Q%", connection="AzureWebJobsStorage")
def on_blob(blob: func.InputStream) -> str:
    return f"{blob.name}:{blob.read().decode()}"
