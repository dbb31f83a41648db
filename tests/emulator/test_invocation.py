"""Invoker.invoke as other trigger runners use it: HTTP responses, outputs only on success, journal entries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import azure.functions as func

from emulator.app.deployment import load_deployment
from emulator.journal.store import Journal
from emulator.runtime.host import Host
from emulator.runtime.invocation import InvocationResult
from emulator.testing.plugin import QueueMessageSeen
from tests.emulator.support import deploy


def invoke_all(host: Host, calls: list[tuple[str, Any]]) -> list[InvocationResult]:
    async def run() -> list[InvocationResult]:
        try:
            results = []
            for name, value in calls:
                fn = host.function(name)
                assert fn is not None
                results.append(await host.invoker.invoke(fn, value))
            return results
        finally:
            await host.invoker.close()

    return asyncio.run(run())


def request(url: str) -> func.HttpRequest:
    return func.HttpRequest("GET", url, params={"name": "ada"}, body=b"")


def test_http_responses_come_back_from_return_and_out_bindings(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Callable[..., list[QueueMessageSeen]]
) -> None:
    host = Host(
        load_deployment(deploy("http_out", tmp_path, values={"Q": queue_name})), storage=storage_connection_string
    )
    hello, plain, via_out = invoke_all(
        host, [("hello", request("/api/hello")), ("plain", request("/api/plain")), ("via_out", request("/api/via-out"))]
    )
    assert hello.http_response is not None and hello.http_response.status_code == 201
    assert hello.http_response.get_body() == b"hello ada"
    assert plain.http_response is not None and plain.http_response.get_body() == b"just text"
    assert via_out.http_response is not None and via_out.http_response.status_code == 204
    assert [m.text for m in queue_reader(f"{queue_name}-audit")] == ["seen"]


def test_outputs_are_not_sent_when_the_function_fails(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Callable[..., list[QueueMessageSeen]]
) -> None:
    journal = Journal(tmp_path / "journal.db")
    deployment = load_deployment(deploy("http_out", tmp_path / "app", values={"Q": queue_name}))
    host = Host(deployment, storage=storage_connection_string, journal=journal)
    [failed] = invoke_all(host, [("sets_then_fails", request("/api/fails"))])
    journal.close()

    assert not failed.ok and isinstance(failed.error, ValueError)
    assert failed.outputs == [] and failed.http_response is None
    assert queue_reader(f"{queue_name}-audit") == []
    [end] = journal.read(kinds=["invocation.end"])
    assert end.status == "error" and end.data["error"] == "ValueError: after setting the output"
    assert 'raise ValueError("after setting the output")' in end.data["traceback"]
