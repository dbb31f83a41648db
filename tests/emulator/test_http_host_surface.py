"""The host's own HTTP surface, checked against what the Functions host answers: the landing page, ping, the
status document, 100 MB request bodies, and Set-Cookie headers written as the host writes them (the expected
values are the ones the Python worker's own test suite pins against the real host)."""

from __future__ import annotations

import os
from pathlib import Path

import aiohttp
import pytest
from timer_http_support import run_http

from emulator.triggers.http.server import DEFAULT_MAX_REQUEST_BODY_SIZE


def test_landing_page_answers_200_html_for_any_method(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession) -> None:
        for method in ("GET", "POST", "HEAD"):
            async with client.request(method, "/") as response:
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("text/html")
        async with client.get("/") as response:
            assert "Functions 4.0 app is up and running" in await response.text()
        async with client.get("/nothing-here") as response:
            assert response.status == 404

    run_http("host_surface", scenario, tmp_path, enable_auth=True)  # no key needed


def test_landing_page_is_204_when_the_homepage_is_disabled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AzureWebJobsDisableHomepage", "True")

    async def scenario(client: aiohttp.ClientSession) -> None:
        async with client.get("/") as response:
            assert (response.status, await response.read()) == (204, b"")

    run_http("host_surface", scenario, tmp_path)


def test_ping_answers_get_and_post_with_200_and_no_key(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession) -> None:
        for method in ("GET", "POST"):
            async with client.request(method, "/admin/host/ping") as response:
                assert (response.status, await response.read()) == (200, b"")

    run_http("host_surface", scenario, tmp_path, enable_auth=True)


def test_status_has_the_hosts_shape_and_needs_the_master_key(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession) -> None:
        async with client.get("/admin/host/status") as response:
            assert response.status == 401
        master = (tmp_path / ".exchange" / "keys.json").read_text().split('"masterKey": "')[1].split('"')[0]
        async with client.get("/admin/host/status", headers={"x-functions-key": master}) as response:
            status = await response.json()
        assert set(status) == {
            "id", "state", "version", "versionDetails", "instanceId", "processUptime", "functionAppContentEditingState"
        }  # fmt: skip
        assert status["state"] == "Running" and status["functionAppContentEditingState"] == "Unknown"
        assert status["version"].startswith("4.") and isinstance(status["processUptime"], int)
        assert len(status["id"]) <= 32 and status["id"] == status["id"].lower()

    run_http("host_surface", scenario, tmp_path, enable_auth=True)


def test_request_bodies_above_aiohttps_1_mib_default_reach_the_function(tmp_path: Path) -> None:
    body = os.urandom(5 * 1024 * 1024)

    async def scenario(client: aiohttp.ClientSession) -> None:
        async with client.post("/api/size", data=body) as response:
            assert (response.status, await response.text()) == (200, str(len(body)))

    run_http("host_surface", scenario, tmp_path)
    assert DEFAULT_MAX_REQUEST_BODY_SIZE == 104_857_600  # the host's ScriptConstants.DefaultMaxRequestBodySize


def test_the_body_limit_follows_functions_request_body_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUNCTIONS_REQUEST_BODY_SIZE_LIMIT", "1000")

    async def scenario(client: aiohttp.ClientSession) -> None:
        async with client.post("/api/size", data=b"x" * 1000) as response:
            assert response.status == 200
        async with client.post("/api/size", data=b"x" * 1001) as response:
            assert response.status == 413

    run_http("host_surface", scenario, tmp_path)


COOKIE_CASES = {
    "plain": ["foo=bar; domain=; path="],
    "full": [
        "foo3=42; expires=Thu, 12 Jan 2017 13:55:08 GMT; max-age=10000000; domain=example.com; path=/; secure; "
        "httponly",
        "foo3=43; expires=Fri, 12 Jan 2018 13:55:08 GMT; max-age=10000000; domain=example.com; path=/; secure; "
        "httponly",
    ],
    "samesite": [
        "sid=a%20b%3Bc; domain=; path=; secure; samesite=none",
        "lax=1; domain=; path=/app; samesite=lax",
        "strict=1; domain=; path=; samesite=strict",
    ],
    "empty": [],
    "unparsable": [],
}


@pytest.mark.parametrize("case", sorted(COOKIE_CASES))
def test_set_cookie_is_written_as_the_host_writes_it(tmp_path: Path, case: str) -> None:
    async def scenario(client: aiohttp.ClientSession) -> None:
        async with client.get(f"/api/cookies/{case}") as response:
            assert response.status == 200
            assert response.headers.getall("Set-Cookie", []) == COOKIE_CASES[case]

    run_http("host_surface", scenario, tmp_path)


@pytest.mark.parametrize("case", ["bad_expires", "bad_max_age"])
def test_a_cookie_the_worker_cannot_convert_fails_the_request_with_500(
    tmp_path: Path, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario(client: aiohttp.ClientSession) -> None:
        async with client.get(f"/api/cookies/{case}") as response:
            assert response.status == 500

    run_http("host_surface", scenario, tmp_path)
    assert "HTTP function cookies failed: cookie 'foo'" in caplog.text


CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_an_incoming_traceparent_is_continued_with_a_new_span(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession) -> None:
        headers = {"traceparent": CALLER, "tracestate": "congo=t61rcWkgMzE"}
        async with client.get("/api/trace", headers=headers) as response:
            seen = await response.json()
        version, trace_id, span, flags = seen["trace_parent"].split("-")
        assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
        assert span != "00f067aa0ba902b7" and len(span) == 16
        assert seen["Traceparent"] == seen["trace_parent"]
        assert seen["trace_state"] == seen["Tracestate"] == "congo=t61rcWkgMzE"
        assert seen["attributes"] == seen["Attributes"] == {}

    run_http("host_surface", scenario, tmp_path)


@pytest.mark.parametrize(
    "incoming", [None, "garbage", CALLER.upper(), "ff" + CALLER[2:], CALLER[:3] + "0" * 32 + CALLER[35:]]
)
def test_without_a_valid_traceparent_each_invocation_starts_a_new_trace(tmp_path: Path, incoming: str | None) -> None:
    async def scenario(client: aiohttp.ClientSession) -> None:
        headers = {"traceparent": incoming} if incoming else {}
        parents = []
        for _ in range(2):
            async with client.get("/api/trace", headers=headers) as response:
                seen = await response.json()
            parents.append(seen["trace_parent"])
            assert seen["trace_state"] == ""
        first, second = (parent.split("-") for parent in parents)
        assert first[0] == "00" and first[3] == "00" and len(first[1]) == 32
        assert first[1] != second[1] and "4bf92f3577b34da6a3ce929d0e0e4736" not in parents[0]

    run_http("host_surface", scenario, tmp_path)


def test_retry_context_without_a_policy_reads_zero_and_has_the_workers_fields(tmp_path: Path) -> None:
    async def scenario(client: aiohttp.ClientSession) -> None:
        async with client.get("/api/trace") as response:
            seen = await response.json()
        assert (seen["retry_count"], seen["max_retry_count"], seen["rpc_exception_message"]) == (0, 0, "")
        assert seen["has_exception_attribute"] is False  # the worker's RetryContext has rpc_exception only

    run_http("host_surface", scenario, tmp_path)
