"""HTTP functions for the host-surface tests: request sizes, cookies, the invocation context."""

import json

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

#: Set-Cookie header values per case, as a function would write them.
COOKIES = {
    "plain": ["foo=bar"],
    "full": [
        "foo3=42; Domain=example.com; Expires=Thu, 12-Jan-2017 13:55:08 GMT; Path=/; Max-Age=10000000; Secure; "
        "HttpOnly",
        "foo3=43; Domain=example.com; Expires=Thu, 12-Jan-2018 13:55:08 GMT; Path=/; Max-Age=10000000; Secure; "
        "HttpOnly",
    ],
    "samesite": ['sid="a b;c"; SameSite=None; Secure', "lax=1; samesite=Lax; path=/app", "strict=1; SameSite=Strict"],
    "empty": [""],
    "unparsable": ["foo3=42; Domain=example.com; SecureFalse; HttpOnly"],
    "bad_expires": ["foo=bar; Domain=123; Expires=Dummy"],
    "bad_max_age": ["foo=bar; Max-Age=Dummy"],
}


@app.route(route="size", methods=["POST"])
def size(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(len(req.get_body())))


@app.route(route="cookies/{case}", methods=["GET"])
def cookies(req: func.HttpRequest) -> func.HttpResponse:
    response = func.HttpResponse("with cookies")
    for value in COOKIES[req.route_params["case"]]:
        response.headers.add("Set-Cookie", value)
    return response


@app.route(route="trace", methods=["GET"])
def trace(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    tc, rc = context.trace_context, context.retry_context
    return func.HttpResponse(
        json.dumps(
            {
                "trace_parent": tc.trace_parent,
                "Traceparent": tc.Traceparent,
                "trace_state": tc.trace_state,
                "Tracestate": tc.Tracestate,
                "attributes": tc.attributes,
                "Attributes": tc.Attributes,
                "retry_count": rc.retry_count,
                "max_retry_count": rc.max_retry_count,
                "rpc_exception_message": rc.rpc_exception.message,
                "has_exception_attribute": hasattr(rc, "exception"),
            }
        ),
        mimetype="application/json",
    )
