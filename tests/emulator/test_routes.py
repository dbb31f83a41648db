"""Route templates matched as ASP.NET routing (and so the Functions host) matches them."""

from __future__ import annotations

import pytest

from emulator.triggers.http.routes import Route, RouteError, RouteTable, parse_template


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("api/hello", "api/hello", {}),
        ("api/hello", "API/Hello/", {}),
        ("api/hello", "api/hello/x", None),
        ("api/orders/{id}", "api/orders/abc", {"id": "abc"}),
        ("api/orders/{id:int}", "api/orders/42", {"id": "42"}),
        ("api/orders/{id:int}", "api/orders/-7", {"id": "-7"}),
        ("api/orders/{id:int}", "api/orders/x", None),
        ("api/orders/{id:int}", "api/orders/99999999999", None),
        ("api/orders/{id:long}", "api/orders/99999999999", {"id": "99999999999"}),
        ("api/items/{id?}", "api/items", {}),
        ("api/items/{id?}", "api/items/3", {"id": "3"}),
        ("api/items/{id=7}", "api/items", {"id": "7"}),
        ("api/files/{*path}", "api/files/a/b/c.txt", {"path": "a/b/c.txt"}),
        ("api/files/{*path}", "api/files", {}),
        ("api/{name}.{ext}", "api/report.v2.csv", {"name": "report.v2", "ext": "csv"}),
        ("api/flag/{on:bool}", "api/flag/TRUE", {"on": "TRUE"}),
        ("api/flag/{on:bool}", "api/flag/yes", None),
        ("api/n/{name:alpha}", "api/n/abc", {"name": "abc"}),
        ("api/n/{name:alpha}", "api/n/ab1", None),
        (
            "api/g/{id:guid}",
            "api/g/6f1d1b1e-8a2b-4c3d-9e4f-0a1b2c3d4e5f",
            {"id": "6f1d1b1e-8a2b-4c3d-9e4f-0a1b2c3d4e5f"},
        ),
        ("api/g/{id:guid}", "api/g/not-a-guid", None),
        ("api/d/{when:datetime}", "api/d/2026-01-31", {"when": "2026-01-31"}),
        ("api/d/{when:datetime}", "api/d/yesterday", None),
        ("api/p/{v:decimal}", "api/p/1.50", {"v": "1.50"}),
        ("api/p/{v:decimal}", "api/p/1e3", None),
        ("api/p/{v:double}", "api/p/1e3", {"v": "1e3"}),
        ("api/p/{v:float}", "api/p/x", None),
        ("api/s/{s:minlength(3)}", "api/s/ab", None),
        ("api/s/{s:maxlength(3)}", "api/s/abcd", None),
        ("api/s/{s:length(2)}", "api/s/ab", {"s": "ab"}),
        ("api/s/{s:length(2,3)}", "api/s/abcd", None),
        ("api/v/{v:min(10)}", "api/v/9", None),
        ("api/v/{v:max(10)}", "api/v/10", {"v": "10"}),
        ("api/v/{v:range(1,5)}", "api/v/6", None),
        ("api/v/{v:int:range(1,5)}", "api/v/3", {"v": "3"}),
        ("api/z/{zip:regex(^\\d{{5}}$)}", "api/z/12345", {"zip": "12345"}),
        ("api/z/{zip:regex(^\\d{{5}}$)}", "api/z/1234", None),
        ("{id?}", "", {}),
    ],
)
def test_template_matching(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert parse_template(template).match(path) == expected


@pytest.mark.parametrize(
    ("template", "complaint"),
    [
        ("orders/{id:integer}", "unknown route constraint 'integer'"),
        ("orders/{id:range(1)}", "route constraint 'range(1)' expects 2 whole number(s)"),
        ("files/{*path}/more", "catch-all parameter {*name} must be the last segment"),
        ("orders/{id", "unmatched '{'"),
        ("orders/{id}/{id}", "parameter 'id' appears twice"),
    ],
)
def test_bad_template_is_an_error_naming_the_function(template: str, complaint: str) -> None:
    with pytest.raises(RouteError) as caught:
        parse_template(template, function="orders")
    assert "function 'orders'" in str(caught.value)
    assert complaint in str(caught.value)


def test_literal_route_wins_over_parameter_route_whatever_the_order() -> None:
    table = RouteTable(
        [Route("by_id", parse_template("api/orders/{id}")), Route("new", parse_template("api/orders/new"))]
    )
    assert table.match("GET", "api/orders/new") == (Route("new", parse_template("api/orders/new")), {})
    found = table.match("GET", "api/orders/5")
    assert found is not None and found[0].function == "by_id"


def test_unlisted_method_matches_nothing_so_the_host_answers_404() -> None:
    table = RouteTable([Route("orders", parse_template("api/orders"), frozenset({"GET"}))])
    assert table.match("DELETE", "api/orders") is None
    assert table.match("get", "api/orders") is not None


def test_same_route_with_different_methods_goes_to_the_right_function() -> None:
    table = RouteTable(
        [
            Route("read", parse_template("api/orders"), frozenset({"GET"})),
            Route("write", parse_template("api/orders"), frozenset({"POST"})),
        ]
    )
    assert [table.match(m, "api/orders")[0].function for m in ("GET", "POST")] == ["read", "write"]  # type: ignore[index]
