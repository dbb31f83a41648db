"""Table input and output bindings on the storage account's table service (Azurite's port 10002), as the host runs them.

The Python worker has no table converter: table values cross through its generic binding as JSON text. What the
host's Tables extension (Microsoft.Azure.WebJobs.Extensions.Tables) hands a non-.NET worker is its ``JArray``
rule: the entities of the query ``PartitionKey eq '<partitionKey>' and <filter>``, at most ``take`` of them,
each a JSON object of PartitionKey, RowKey and the entity's own properties. The row key is *not* applied (the
extension's single-entity ``JObject`` rule is not used for out-of-process workers; see
Azure/azure-functions-python-worker#1725), so a function that names a row key still gets a list.

An output value is JSON text (or the dict/list the generic binding serialises) of one entity or a list of them.
A ``PartitionKey``/``RowKey`` in the entity (any case) overrides the binding's; entities are *added* (an existing
key fails the invocation with 409, as on Azure); the table is created when missing; property values must be
scalars.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from emulator.app.functions import BindingInfo
from emulator.conversion.bindings import BindingError, resolve_expression

if TYPE_CHECKING:
    from azure.data.tables.aio import TableServiceClient

#: Characters the Tables extension refuses in a key (TableClientHelpers.ValidateAzureTableKeyValue).
_BAD_KEY = re.compile(r"[/\\#?\x00-\x1f\x7f-\x9f]")


def query_filter(partition_key: str | None, extra: str | None) -> str | None:
    """The OData filter the extension sends: the partition predicate, then ``and`` the binding's filter."""
    if not partition_key:
        return extra or None
    predicate = "PartitionKey eq '{}'".format(partition_key.replace("'", "''"))
    return f"{predicate} and {extra}" if extra else predicate


def entity_json(entity: Mapping[str, Any]) -> dict[str, Any]:
    """One entity as the extension's JObject: keys first, then the properties (no Timestamp, no etag)."""
    out: dict[str, Any] = {"PartitionKey": entity.get("PartitionKey"), "RowKey": entity.get("RowKey")}
    for key, value in entity.items():
        if key not in out and key not in ("Timestamp", "etag") and not key.startswith("odata."):
            out[key] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    value = getattr(value, "value", value) if type(value).__name__ == "EntityProperty" else value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def entities_to_write(
    value: Any, binding: BindingInfo, details: Mapping[str, Any], *, where: str
) -> list[dict[str, Any]]:
    """The entities an output value stands for, keys filled from the binding where the entity has none."""
    if value is None:
        return []
    parsed = _parse(value, where=where)
    items = parsed if isinstance(parsed, list) else [parsed]
    partition = _setting(binding, "partitionKey", details, where)
    row = _setting(binding, "rowKey", details, where)
    return [_entity(item, partition, row, where=where) for item in items]


def _parse(value: Any, *, where: str) -> Any:
    if isinstance(value, dict | list):  # the generic binding serialises a dict or list to JSON
        return json.loads(json.dumps(value))
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8")
    if not isinstance(value, str):
        raise BindingError(
            f'{where}: unable to encode outgoing TypedData: unsupported type "generic" for Python type '
            f'"{type(value).__name__}".',
            hint="set the entity as JSON text, e.g. out.set(json.dumps({'PartitionKey': ..., 'RowKey': ...}))",
        )
    try:
        return json.loads(value)
    except ValueError as exc:
        raise BindingError(f"{where}: the table output is not JSON: {exc}.", hint="set json.dumps(entity)") from exc


def _entity(item: Any, partition: str | None, row: str | None, *, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise BindingError(f"{where}: a table entity must be a JSON object, not {type(item).__name__}.")
    entity = dict(item)
    for name, default in (("PartitionKey", partition), ("RowKey", row)):
        found = next((k for k in entity if k.lower() == name.lower()), None)
        key = entity.pop(found) if found is not None else default
        if key is None:
            raise BindingError(f"{where}: the entity has no {name} and the binding sets none.")
        if not isinstance(key, str) or _BAD_KEY.search(key):
            raise BindingError(
                f"{where}: {name} {key!r} is not a valid table key.",
                hint="keys are strings without / \\ # ? or control characters",
            )
        entity[name] = key
    for name, value in entity.items():
        if isinstance(value, dict | list):
            raise BindingError(f"{where}: property {name!r} is a {type(value).__name__}; table properties are scalars.")
    return entity


def _setting(binding: BindingInfo, key: str, details: Mapping[str, Any], where: str) -> str | None:
    raw = binding.settings.get(key)
    return None if raw in (None, "") else resolve_expression(str(raw), details, where=where)


class Tables:
    """Async table clients of one host, per connection string."""

    def __init__(self) -> None:
        self._services: dict[str, TableServiceClient] = {}

    def _service(self, conn: str) -> TableServiceClient:
        if conn not in self._services:
            from azure.data.tables.aio import TableServiceClient

            self._services[conn] = TableServiceClient.from_connection_string(conn)
        return self._services[conn]

    async def read(self, conn: str, binding: BindingInfo, details: Mapping[str, Any], *, where: str) -> str:
        """The input value: a JSON array of the matching entities; a missing table fails, as on Azure."""
        from azure.core.exceptions import ResourceNotFoundError

        table = resolve_expression(str(binding.settings.get("tableName", "")), details, where=where)
        flt = query_filter(
            _setting(binding, "partitionKey", details, where), _setting(binding, "filter", details, where)
        )
        take = int(binding.settings.get("take") or 0)
        client = self._service(conn).get_table_client(table)
        found: list[dict[str, Any]] = []
        pages = client.query_entities(flt, results_per_page=take or None) if flt else client.list_entities()
        try:
            async for entity in pages:
                found.append(entity_json(entity))
                if take and len(found) >= take:
                    break
        except ResourceNotFoundError as exc:  # the extension's query fails the invocation too
            raise BindingError(
                f"{where}: table {table!r} does not exist (TableNotFound).",
                hint="create the table first (a table output binding creates it when it first writes)",
            ) from exc
        return json.dumps(found)

    async def write(self, conn: str, table: str, entities: list[dict[str, Any]], *, where: str) -> None:
        """Add ``entities`` to ``table`` (created if missing) in one transaction per partition and 100 entities,
        as the extension's writer does; an existing key fails the whole batch (409 EntityAlreadyExists)."""
        from azure.core.exceptions import HttpResponseError

        service = self._service(conn)
        client = service.get_table_client(table)
        for batch in _batches(entities):
            actions = [("create", entity) for entity in batch]
            try:
                try:
                    await client.submit_transaction(actions)
                except HttpResponseError as exc:
                    if exc.status_code != 404 and str(getattr(exc, "error_code", "")) not in (
                        "TableNotFound",
                        "ResourceNotFound",
                    ):
                        raise
                    await service.create_table_if_not_exists(table)
                    await client.submit_transaction(actions)
            except HttpResponseError as exc:
                keys = ", ".join(f"{e['PartitionKey']}/{e['RowKey']}" for e in batch)
                raise BindingError(
                    f"{where}: table {table!r} refused entities {keys}: {exc.message.splitlines()[0]}",
                    hint="the table output adds entities (it does not replace one that exists): use a new RowKey",
                ) from exc

    async def output(
        self, conn: str, binding: BindingInfo, value: Any, details: Mapping[str, Any], *, where: str
    ) -> tuple[str, int]:
        """Deliver an output binding's value; the table and how many entities were added."""
        table = resolve_expression(str(binding.settings.get("tableName", "")), details, where=where)
        entities = entities_to_write(value, binding, details, where=where)
        if entities:
            await self.write(conn, table, entities, where=where)
        return table, len(entities)

    async def close(self) -> None:
        """Close every client."""
        services, self._services = list(self._services.values()), {}
        for service in services:
            with contextlib.suppress(Exception):
                await service.close()


def _batches(entities: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Entities grouped by partition, at most 100 per batch (a transaction's limit); a repeated key starts a new one."""
    batches: list[list[dict[str, Any]]] = []
    open_batches: dict[str, list[dict[str, Any]]] = {}
    for entity in entities:
        batch = open_batches.get(entity["PartitionKey"])
        if batch is None or len(batch) >= 100 or any(e["RowKey"] == entity["RowKey"] for e in batch):
            batch = open_batches[entity["PartitionKey"]] = []
            batches.append(batch)
        batch.append(entity)
    return batches
