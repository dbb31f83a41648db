"""An HTTP function annotated "-> None": None is not a type the http converter can encode, so it does not load."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="none")
def http_none(req: func.HttpRequest) -> None:
    return None
