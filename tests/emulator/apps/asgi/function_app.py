"""A tiny ASGI application (no framework) behind func.AsgiFunctionApp, as FastAPI or Starlette apps are served."""

import json

import azure.functions as func

EVENTS: list = []


async def asgi_app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            EVENTS.append(message["type"])
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"].endswith("/boom"):
        raise RuntimeError("the ASGI app failed")
    answer = {
        "lifespan": EVENTS,
        "method": scope["method"],
        "path": scope["path"],
        "root_path": scope["root_path"],
        "query": scope["query_string"].decode(),
        "body": body.decode(),
        "header": dict(scope["headers"]).get(b"x-test", b"").decode(),
    }
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"application/json"), (b"set-cookie", b"session=abc; Path=/; HttpOnly")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(answer).encode()})


app = func.AsgiFunctionApp(app=asgi_app, http_auth_level=func.AuthLevel.ANONYMOUS)
