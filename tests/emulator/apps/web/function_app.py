import json

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
CALLS: list = []


@app.route(route="hello", methods=["GET", "POST"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    name = req.params.get("name") or (req.get_json().get("name") if req.get_body() else "world")
    return func.HttpResponse(f"Hello, {name}", headers={"x-greeting": "yes"})


@app.route(route="orders/{id:int}", methods=["GET"])
def order(req: func.HttpRequest) -> func.HttpResponse:
    body = {
        "id": int(req.route_params["id"]),
        "query": dict(req.params),
        "header": req.headers.get("x-test"),
        "method": req.method,
        "url": req.url,
    }
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.route(route="orders/new", methods=["GET"])
def new_order(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("the new-order form")


@app.route(route="items/{id?}")
async def items(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params.get("id", "all items"))


@app.route(route="plain")
def plain(req: func.HttpRequest) -> str:
    return "plain text"


@app.route(route="created", methods=["PUT"])
def created(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        req.get_body()[::-1], status_code=201, mimetype="application/octet-stream", headers={"Location": "/api/x/1"}
    )


@app.route(route="out", binding_arg_name="res")
def through_out(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> None:
    res.set(func.HttpResponse("set through func.Out", status_code=202))


@app.route(route="boom")
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("kaboom")


@app.route(route="secret", auth_level=func.AuthLevel.FUNCTION)
def secret(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("the secret")


@app.timer_trigger(schedule="0 0 3 * * *", arg_name="timer")
def nightly(timer: func.TimerRequest) -> None:
    CALLS.append(("nightly", timer))


@app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
def on_order(msg: func.QueueMessage) -> None:
    CALLS.append(("on_order", msg))
