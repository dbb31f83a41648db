"""A real HTTP server on a free port, exercised with real requests."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import aiohttp
import azure.functions as func
import pytest
from timer_http_support import calls_of, load_app, new_invoker, wait_until

from emulator.triggers.http.errors import PortInUseError
from emulator.triggers.http.server import HttpOptions, HttpServer, build_routes

Scenario = Callable[[aiohttp.ClientSession, HttpServer], Awaitable[None]]


@asynccontextmanager
async def serving(state_dir: Path, **options: object) -> AsyncIterator[tuple[aiohttp.ClientSession, HttpServer]]:
    deployment, functions = load_app("web")
    invoker = new_invoker()
    server = HttpServer(HttpOptions(port=0, **options))  # type: ignore[arg-type]
    route_prefix = deployment.host.http.route_prefix
    await server.start_with(invoker, functions, route_prefix=route_prefix, state_dir=state_dir, port=0)
    try:
        async with aiohttp.ClientSession(base_url=server.base_url()) as client:
            yield client, server
    finally:
        await server.drain(timeout=2)
        await invoker.close()


def run(scenario: Scenario, state_dir: Path, **options: object) -> None:
    async def main() -> None:
        async with serving(state_dir, **options) as (client, server):
            await scenario(client, server)

    asyncio.run(main())


def test_get_and_post_reach_the_function_with_query_and_json_body(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, _: HttpServer) -> None:
        async with client.get("/api/hello", params={"name": "Ada"}) as response:
            assert response.status == 200
            assert await response.text() == "Hello, Ada"
            assert response.headers["x-greeting"] == "yes"
            assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        async with client.post("/api/hello", json={"name": "Grace"}) as response:
            assert (response.status, await response.text()) == (200, "Hello, Grace")

    run(scenario, tmp_path)


def test_route_params_query_headers_method_and_url_reach_the_request(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, server: HttpServer) -> None:
        async with client.get("/api/orders/42", params={"page": "2"}, headers={"x-test": "t1"}) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/json"
            assert await response.json() == {
                "id": 42,
                "query": {"page": "2"},
                "header": "t1",
                "method": "GET",
                "url": f"{server.base_url()}/api/orders/42?page=2",
            }

    run(scenario, tmp_path)


def test_unlisted_method_gets_404_as_from_the_functions_host(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, _: HttpServer) -> None:
        async with client.delete("/api/hello") as response:
            assert (response.status, await response.read()) == (404, b"")

    run(scenario, tmp_path)


def test_constraint_mismatch_and_unknown_path_get_404(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, _: HttpServer) -> None:
        for path in ("/api/orders/abc", "/api/nowhere", "/hello"):
            async with client.get(path) as response:
                assert response.status == 404, path

    run(scenario, tmp_path)


def test_literal_route_wins_over_the_parameter_route(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, _: HttpServer) -> None:
        async with client.get("/api/orders/new") as response:
            assert await response.text() == "the new-order form"

    run(scenario, tmp_path)


def test_optional_route_parameter(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, _: HttpServer) -> None:
        for path, expected in (("/api/items", "all items"), ("/api/items/7", "7")):
            async with client.get(path) as response:
                assert (response.status, await response.text()) == (200, expected)

    run(scenario, tmp_path)


def test_plain_return_value_status_headers_binary_body_and_out_binding(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, _: HttpServer) -> None:
        async with client.get("/api/plain") as response:
            assert (response.status, await response.text()) == (200, "plain text")
        async with client.put("/api/created", data=b"\x01\x02\x03") as response:
            assert (response.status, await response.read()) == (201, b"\x03\x02\x01")
            assert response.headers["Location"] == "/api/x/1"
            assert response.headers["Content-Type"] == "application/octet-stream"
        async with client.get("/api/out") as response:
            assert (response.status, await response.text()) == (202, "set through func.Out")

    run(scenario, tmp_path)


def test_unhandled_exception_is_500_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(client: aiohttp.ClientSession, _: HttpServer) -> None:
        async with client.get("/api/boom") as response:
            assert response.status == 500

    run(scenario, tmp_path)
    assert "HTTP function boom failed: RuntimeError('kaboom')" in caplog.text


def test_keys_are_enforced_only_when_asked(tmp_path: Path) -> None:
    async def open_access(client: aiohttp.ClientSession, _: HttpServer) -> None:
        async with client.get("/api/secret") as response:
            assert (response.status, await response.text()) == (200, "the secret")

    run(open_access, tmp_path)
    assert not (tmp_path / "keys.json").exists()


def test_function_key_in_code_or_header_opens_a_function_level_function(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, server: HttpServer) -> None:
        keys = json.loads((tmp_path / "keys.json").read_text())
        for request in (
            client.get("/api/secret"),
            client.get("/api/secret", params={"code": "wrong"}),
            client.get("/api/secret", params={"code": keys["functionKeys"]["hello"]}),  # another function's key
        ):
            async with request as response:
                assert response.status == 401
        for request in (
            client.get("/api/secret", params={"code": keys["functionKeys"]["secret"]}),
            client.get("/api/secret", headers={"x-functions-key": keys["hostKeys"]["default"]}),
            client.get("/api/secret", headers={"x-functions-key": keys["masterKey"]}),
        ):
            async with request as response:
                assert (response.status, await response.text()) == (200, "the secret")
        async with client.get("/api/hello") as response:  # anonymous stays open
            assert response.status == 200
        assert not any(keys["masterKey"] in line or keys["hostKeys"]["default"] in line for line in server.describe())

    run(scenario, tmp_path, enable_auth=True)


def test_keys_are_generated_once_per_deployment(tmp_path: Path) -> None:
    async def nothing(client: aiohttp.ClientSession, server: HttpServer) -> None:
        pass

    run(nothing, tmp_path, enable_auth=True)
    first = (tmp_path / "keys.json").read_text()
    run(nothing, tmp_path, enable_auth=True)
    assert (tmp_path / "keys.json").read_text() == first


def test_admin_endpoint_runs_a_timer_function_by_hand(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, server: HttpServer) -> None:
        assert server.state is not None
        calls = calls_of(server.state.functions)
        async with client.post("/admin/functions/nightly", json={"input": ""}) as response:
            assert response.status == 202
        await wait_until(lambda: any(name == "nightly" for name, _ in calls), what="the timer function to run")
        timer = next(value for name, value in calls if name == "nightly")
        assert isinstance(timer, func.TimerRequest) and timer.past_due is False

    run(scenario, tmp_path)


def test_admin_endpoint_runs_a_queue_function_with_the_input_as_body(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, server: HttpServer) -> None:
        assert server.state is not None
        calls = calls_of(server.state.functions)
        async with client.post("/admin/functions/on_order?wait=true", json={"input": '{"order": 7}'}) as response:
            assert response.status == 200
            assert (await response.json())["ok"] is True
        message = next(value for name, value in calls if name == "on_order")
        assert isinstance(message, func.QueueMessage)
        assert message.get_json() == {"order": 7} and message.dequeue_count == 1

    run(scenario, tmp_path)


def test_admin_endpoint_refuses_unknown_and_http_functions_clearly(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, _: HttpServer) -> None:
        async with client.post("/admin/functions/nope", json={"input": ""}) as response:
            body = await response.json()
            assert response.status == 404
            assert body["error"] == "no function named 'nope' in this deployment" and "nightly" in body["functions"]
        async with client.post("/admin/functions/hello", json={"input": ""}) as response:
            assert response.status == 400
            assert "'hello' is an HTTP function: call its URL" in (await response.json())["error"]

    run(scenario, tmp_path)


def test_admin_lists_functions_and_host_status(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, _: HttpServer) -> None:
        async with client.get("/admin/functions") as response:
            listed = {entry["name"]: entry for entry in await response.json()}
        assert listed["nightly"]["trigger"] == "timer" and listed["nightly"]["state"] == "enabled"
        assert listed["order"]["bindings"][0]["route"] == "orders/{id:int}"
        async with client.get("/admin/host/status") as response:
            status = await response.json()
        assert status["state"] == "Running"

    run(scenario, tmp_path)


def test_admin_endpoints_need_the_master_key_when_auth_is_on(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession, _: HttpServer) -> None:
        keys = json.loads((tmp_path / "keys.json").read_text())
        async with client.get("/admin/functions", params={"code": keys["hostKeys"]["default"]}) as response:
            assert response.status == 401
        async with client.get("/admin/functions", headers={"x-functions-key": keys["masterKey"]}) as response:
            assert response.status == 200

    run(scenario, tmp_path, enable_auth=True)


def test_serves_an_already_bound_listening_socket(tmp_path: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))

    async def scenario(client: aiohttp.ClientSession, server: HttpServer) -> None:
        assert server.port == listener.getsockname()[1]
        async with client.get("/api/plain") as response:
            assert await response.text() == "plain text"

    run(scenario, tmp_path, sock=listener)


def test_port_in_use_is_a_readable_error_naming_the_port(tmp_path: Path) -> None:
    taken = socket.create_server(("127.0.0.1", 0))
    port = taken.getsockname()[1]

    async def main() -> None:
        _, functions = load_app("web")
        invoker = new_invoker()
        with pytest.raises(PortInUseError) as caught:
            await HttpServer(HttpOptions(port=port)).start_with(invoker, functions, state_dir=tmp_path, port=port)
        await invoker.close()
        assert f"HTTP port {port} on 127.0.0.1 is already in use" in str(caught.value)
        assert "--port" in str(caught.value)

    try:
        asyncio.run(main())
    finally:
        taken.close()


def test_empty_route_prefix_and_route_defaulting_to_the_function_name() -> None:
    _, functions = load_app("web")
    nameless = [
        replace(f, trigger=replace(f.trigger, settings={**f.trigger.settings, "route": None})) for f in functions
    ]
    table = build_routes(nameless, "")
    found = table.match("GET", "/hello")
    assert found is not None and found[0].function == "hello"
    assert table.match("GET", "/api/hello") is None


def test_timer_and_queue_functions_get_no_route() -> None:
    _, functions = load_app("web")
    assert {route.function for route in build_routes(functions, "api")} == {
        "hello", "order", "new_order", "items", "plain", "created", "through_out", "boom", "secret"
    }  # fmt: skip
