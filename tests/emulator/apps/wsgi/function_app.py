"""A tiny WSGI application (no framework) behind func.WsgiFunctionApp, as Flask or Django apps are served."""

import json

import azure.functions as func


def wsgi_app(environ, start_response):  # type: ignore[no-untyped-def]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    answer = {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "body": body.decode(),
        "header": environ.get("HTTP_X_TEST", ""),
        "has_context": environ.get("azure_functions.invocation_id") is not None,
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(answer).encode()]


app = func.WsgiFunctionApp(app=wsgi_app, http_auth_level=func.AuthLevel.FUNCTION)
