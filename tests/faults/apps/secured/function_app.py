"""An HTTP function that needs a function key (enforced by ``exchange dev --enable-auth``)."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="orders", methods=["GET"])
def orders(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("secret orders")
