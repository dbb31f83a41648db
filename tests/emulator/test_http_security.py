"""The HTTP host's secrets and the routes it refuses: keys kept private, never printed; reserved, conflicting and
unreachable routes refused at load, as the Functions host refuses them (ScriptHost.ValidateFunction)."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest
from timer_http_support import load_app

from emulator.app.functions import FunctionInfo
from emulator.triggers.http.keys import deployment_keys, load_keys
from emulator.triggers.http.routes import RouteError
from emulator.triggers.http.server import build_routes
from framework.errors import ConfigurationError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keys_file_is_0600_in_a_0700_folder(tmp_path: Path) -> None:
    path = tmp_path / "app" / ".exchange" / "keys.json"
    load_keys(path, ["a"])
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)


def test_a_world_readable_keys_file_and_folder_are_tightened_on_load(tmp_path: Path) -> None:
    folder = tmp_path / ".exchange"
    folder.mkdir(mode=0o755)
    first = load_keys(folder / "keys.json", ["a"])
    (folder / "keys.json").chmod(0o644)
    folder.chmod(0o755)
    again = load_keys(folder / "keys.json", ["a"])
    assert again.master == first.master
    assert (mode(folder / "keys.json"), mode(folder)) == (0o600, 0o700)


def test_keys_of_a_deployment_without_keys_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="has no function keys yet") as caught:
        deployment_keys(tmp_path)
    assert "exchange dev --enable-auth" in str(caught.value)


def test_a_damaged_keys_file_is_named(tmp_path: Path) -> None:
    (tmp_path / ".exchange").mkdir()
    (tmp_path / ".exchange" / "keys.json").write_text('["not", "keys"]')
    with pytest.raises(ConfigurationError, match=r"keys\.json is damaged"):
        deployment_keys(tmp_path)


def http_functions() -> list[FunctionInfo]:
    _, functions = load_app("web")
    return functions


def with_route(fn: FunctionInfo, route: str, methods: list[str] | None = None) -> FunctionInfo:
    settings = {**fn.trigger.settings, "route": route, "methods": methods}
    return replace(fn, trigger=replace(fn.trigger, settings=settings))


def test_two_functions_on_the_same_route_and_method_are_refused_naming_both() -> None:
    functions = http_functions()
    hello = next(f for f in functions if f.name == "hello")  # GET, POST on "hello"
    twin = replace(with_route(hello, "/Hello/", ["POST"]), name="twin")
    with pytest.raises(RouteError) as caught:
        build_routes([*functions, twin], "api")
    assert "function 'twin': route '/Hello/': the route specified conflicts with the route defined by function " \
        "'hello'" in str(caught.value)  # fmt: skip


def test_no_methods_means_all_so_it_conflicts_with_any_method() -> None:
    functions = http_functions()
    hello = next(f for f in functions if f.name == "hello")
    with pytest.raises(RouteError, match="conflicts with the route defined by function 'hello'"):
        build_routes([*functions, replace(with_route(hello, "hello", None), name="any")], "api")


def test_the_same_route_with_other_methods_is_accepted_as_on_the_host() -> None:
    functions = http_functions()
    hello = next(f for f in functions if f.name == "hello")
    table = build_routes([*functions, replace(with_route(hello, "hello", ["DELETE"]), name="remove")], "api")
    found = table.match("DELETE", "/api/hello")
    assert found is not None and found[0].function == "remove"


@pytest.mark.parametrize("route", ["admin/tools", "Runtime/webhooks", "administration"])
def test_routes_in_the_hosts_own_space_are_refused(route: str) -> None:
    functions = http_functions()
    with pytest.raises(RouteError, match="conflicts with one or more built in routes"):
        build_routes([with_route(functions[0], route)], "api")


@pytest.mark.parametrize("prefix", ["../../", "api/..", "./api", "a//b", "{tenant}"])
def test_a_route_prefix_that_can_never_be_reached_is_refused_naming_host_json(prefix: str) -> None:
    with pytest.raises(RouteError) as caught:
        build_routes(http_functions(), prefix)
    assert f"host.json: extensions.http.routePrefix {prefix!r} cannot be used" in str(caught.value)


def test_dot_segments_in_a_route_are_refused() -> None:
    functions = http_functions()
    with pytest.raises(RouteError, match="can never be called"):
        build_routes([with_route(functions[0], "files/../secret")], "api")


def test_a_plain_nested_prefix_is_accepted() -> None:
    table = build_routes(http_functions(), "/v1/api/")
    assert table.match("GET", "/v1/api/hello") is not None
    assert table.match("GET", "/api/hello") is None
