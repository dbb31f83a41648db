"""Timer runner and HTTP server started by the real Host (``host.add_runner``), with the journal, on Azurite."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support import deploy, running, wait_for

from emulator.triggers.http.server import HttpOptions, HttpServer
from emulator.triggers.timer import TimerRunner

pytestmark = pytest.mark.azurite


def fetch(url: str, *, data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_host_serves_http_functions_and_runs_timers_by_hand_with_journal(
    tmp_path: Path, storage_connection_string: str
) -> None:
    deployment = deploy("web", tmp_path / "web", host={"extensions": {"http": {"routePrefix": "v1"}}})
    http = HttpServer(HttpOptions(port=0))
    with running(deployment, storage_connection_string, runners=[TimerRunner(), http]) as host:
        base = http.base_url()
        assert fetch(f"{base}/v1/hello?name=Ada") == (200, b"Hello, Ada")
        assert fetch(f"{base}/api/hello")[0] == 404  # the prefix comes from host.json
        assert fetch(f"{base}/v1/boom")[0] == 500
        assert fetch(f"{base}/admin/functions/nightly", data=json.dumps({"input": ""}).encode()) == (202, b"")

        def ended(function: str) -> list[str | None]:
            return [e.status for e in host.entries(kinds=["invocation.end"], function=function)]

        assert wait_for(lambda: ended("boom"), what="the failed HTTP invocation in the journal") == ["error"]
        assert wait_for(lambda: ended("nightly"), what="the timer run by hand in the journal") == ["ok"]
        assert ended("hello") == ["ok"]
