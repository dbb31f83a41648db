"""``func.AsgiFunctionApp`` and ``func.WsgiFunctionApp``: an ASGI or WSGI application behind one catch-all HTTP
function, found and served as the worker does (tiny framework-free apps, so no FastAPI or Flask is needed)."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import azure.functions as func
import pytest
from timer_http_support import APPS, load_app, run_http

from emulator.app.deployment import load_deployment
from emulator.app.indexing import IndexingError, index_functions


def test_an_asgi_app_is_one_catch_all_function_named_http_app_func() -> None:
    _, functions = load_app("asgi")
    assert [f.name for f in functions] == ["http_app_func"]
    assert functions[0].trigger.settings["route"] == "/{*route}"
    # every method the library's HttpMethod names (azure-functions 2.x adds QUERY): the catch-all takes them all
    assert set(functions[0].trigger.settings["methods"]) == {method.value for method in func.HttpMethod}
    assert {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} <= set(functions[0].trigger.settings["methods"])


def test_an_asgi_app_answers_every_path_under_the_prefix(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession) -> None:
        async with client.post("/api/items/7?full=1", data=b"payload", headers={"x-test": "t"}) as response:
            assert response.status == 201
            assert response.headers.getall("Set-Cookie") == ["session=abc; domain=; path=/; httponly"]
            seen = await response.json()
        assert seen == {
            "lifespan": ["lifespan.startup"],  # the app's startup ran once, before the first request
            "method": "POST", "path": "/api/items/7", "root_path": "", "query": "full=1", "body": "payload",
            "header": "t",
        }  # fmt: skip
        async with client.get("/api") as response:
            assert response.status == 201 and (await response.json())["path"] == "/api"
        async with client.get("/api/boom") as response:
            assert response.status == 500

    run_http("asgi", scenario, tmp_path)


def test_a_wsgi_app_gets_the_request_and_the_functions_context(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession) -> None:
        async with client.put("/api/users/ada?x=1", data=b"{}", headers={"x-test": "w"}) as response:
            assert response.status == 200
            seen = await response.json()
        assert seen == {"method": "PUT", "path": "/api/users/ada", "query": "x=1", "body": "{}", "header": "w",
                        "has_context": True}  # fmt: skip

    run_http("wsgi", scenario, tmp_path)


def test_a_wsgi_app_keeps_its_auth_level(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession) -> None:
        async with client.get("/api/anything") as response:
            assert response.status == 401
        keys = json.loads((tmp_path / ".exchange" / "keys.json").read_text())
        async with client.get("/api/anything", params={"code": keys["functionKeys"]["http_app_func"]}) as response:
            assert response.status == 200

    run_http("wsgi", scenario, tmp_path, enable_auth=True)


def test_two_top_level_function_apps_are_refused_as_the_worker_refuses_them(tmp_path: Path) -> None:
    folder = tmp_path / "two"
    folder.mkdir()
    (folder / "host.json").write_text('{"version": "2.0"}')
    (folder / "function_app.py").write_text(
        (APPS / "wsgi" / "function_app.py").read_text() + "\nother = func.FunctionApp()\n"
    )
    with pytest.raises(IndexingError, match="more than one top-level function app instance is defined"):
        index_functions(load_deployment(folder))
