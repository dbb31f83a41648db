"""HTTP responses through $return and through func.Out, and outputs held back on failure."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"hello {req.params.get('name')}", status_code=201)


@app.route(route="plain")
def plain(req: func.HttpRequest) -> str:
    return "just text"


@app.route(route="via-out")
@app.queue_output(arg_name="audit", queue_name="%Q%-audit", connection="AzureWebJobsStorage")
def via_out(req: func.HttpRequest, audit: func.Out[str]) -> func.HttpResponse:
    audit.set("seen")
    return func.HttpResponse(status_code=204)


@app.route(route="fails")
@app.queue_output(arg_name="audit", queue_name="%Q%-audit", connection="AzureWebJobsStorage")
def sets_then_fails(req: func.HttpRequest, audit: func.Out[str]) -> func.HttpResponse:
    audit.set("must not be sent")
    raise ValueError("after setting the output")
