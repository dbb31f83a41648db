"""Table input and output bindings against Azurite's real table service, with the host's Tables extension rules."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from emulator.app.deployment import load_deployment
from emulator.runtime.host import Host
from emulator.runtime.invocation import InvocationResult
from emulator.runtime.tables import query_filter
from tests.emulator.support import deploy


class App:
    """The tables app on a fresh table; each :meth:`call` runs on a new host, as separate requests would."""

    def __init__(self, folder: Path, storage: str) -> None:
        self.folder, self.storage = folder, storage

    def call(self, *calls: tuple[str, str, bytes, dict[str, str]]) -> list[InvocationResult]:
        host = Host(load_deployment(self.folder), storage=self.storage)

        async def run() -> list[InvocationResult]:
            results = []
            try:
                for name, url, body, params in calls:
                    fn = host.function(name)
                    assert fn is not None
                    req = func.HttpRequest("POST", url, body=body, route_params=params)
                    results.append(await host.invoker.invoke(fn, req, trigger_details={**params}))
            finally:
                await host.invoker.close()
            return results

        return asyncio.run(run())


@pytest.fixture
def app(tmp_path: Path, storage_connection_string: str) -> App:
    table = f"t{uuid.uuid4().hex[:16]}"
    return App(deploy("tables", tmp_path, values={"TABLE": table}), storage_connection_string)


def body(result: InvocationResult) -> Any:
    assert result.ok, result.error
    assert result.http_response is not None
    return json.loads(result.http_response.get_body())


def test_the_workers_own_table_app_round_trips_an_entity(app: App) -> None:
    [written] = app.call(("table_out_binding", "/api/table_out_binding", b"", {}))
    row_key = body(written)["RowKey"]
    assert written.outputs[0].type == "table" and written.outputs[0].count == 1

    [read] = app.call(("table_in_binding", f"/api/table_in_binding/{row_key}", b"", {"id": row_key}))

    rows = body(read)
    assert isinstance(rows, list)  # a list even with a row key, as the host gives non-.NET workers
    assert {"PartitionKey": "test", "RowKey": row_key} in rows


def test_the_row_key_is_not_applied_and_filter_and_take_are(app: App) -> None:
    entities = [{"RowKey": f"r{i}", "Size": i} for i in range(4)]
    [ok] = app.call(("write_many", "/api/write_many", json.dumps(entities).encode(), {}))
    assert ok.ok, ok.error

    read, filtered = app.call(
        ("table_in_binding", "/api/table_in_binding/r0", b"", {"id": "r0"}),
        ("filtered", "/api/filtered", b"", {}),
    )

    assert sorted(row["RowKey"] for row in body(read)) == ["r0", "r1", "r2", "r3"]
    assert body(filtered) == [
        {"PartitionKey": "test", "RowKey": "r2", "Size": 2},
        {"PartitionKey": "test", "RowKey": "r3", "Size": 3},
    ]


def test_adding_an_entity_that_exists_fails_the_invocation_and_writes_nothing_of_its_batch(app: App) -> None:
    first = json.dumps([{"RowKey": "same"}]).encode()
    again = json.dumps([{"RowKey": "new-one"}, {"RowKey": "same"}]).encode()
    ok, clash = app.call(("write_many", "/w", first, {}), ("write_many", "/w", again, {}))

    assert ok.ok and not clash.ok
    assert "refused entities test/new-one, test/same" in str(clash.error)
    [read] = app.call(("filtered", "/api/filtered", b"", {}))
    assert body(read) == []  # nothing with Size > 1, and "new-one" was not written either
    [everything] = app.call(("table_in_binding", "/x", b"", {"id": "x"}))
    assert [row["RowKey"] for row in body(everything)] == ["same"]


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("42", "a table entity must be a JSON object, not int"),
        ('{"PartitionKey": "a/b", "RowKey": "1"}', "PartitionKey 'a/b' is not a valid table key"),
        ('{"RowKey": "1", "nested": {"a": 1}}', "property 'nested' is a dict; table properties are scalars"),
        ("not json", "the table output is not JSON"),
    ],
)
def test_an_entity_the_host_refuses_fails_the_invocation(app: App, value: str, error: str) -> None:
    [result] = app.call(("write_many", "/w", value.encode(), {}))
    assert not result.ok and error in str(result.error)


def test_the_partition_filter_quotes_as_the_extension_does() -> None:
    assert query_filter("o'neil", None) == "PartitionKey eq 'o''neil'"
    assert query_filter("p", "Size gt 1") == "PartitionKey eq 'p' and Size gt 1"
    assert query_filter(None, None) is None


def test_reading_a_table_that_does_not_exist_fails_the_invocation_as_on_azure(app: App) -> None:
    [result] = app.call(("filtered", "/api/filtered", b"", {}))
    assert not result.ok and "does not exist (TableNotFound)" in str(result.error)
