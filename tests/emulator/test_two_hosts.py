"""Two hosts in one process share nothing of the framework's: sinks, metrics, transport, databases, settings.

Unit lane: the hosts are made and stopped but never started, so nothing connects to storage; the databases are
two real SQLite files, written through the framework's services under each host's runtime.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa

from emulator.app.deployment import load_deployment
from emulator.conversion.bindings import resolve_app_settings
from emulator.journal.store import InvocationScope, Journal, current_invocation
from emulator.runtime import logs
from emulator.runtime.host import Host
from emulator.testing.environment import ProcessEnvironment, SettingsConflictError
from emulator.triggers.http.server import HttpOptions, HttpServer
from framework import events, tenant_context
from framework.context import current_runtime, current_settings, default_runtime, runtime_context
from framework.databases import get_database
from framework.metrics import registry
from framework.services import ProcessingService
from framework.storage import dev_connection_string


def _host(folder: Path, tenant: str, **settings: str) -> Host:
    folder.mkdir()
    (folder / "function_app.py").write_text("import azure.functions as func\napp = func.FunctionApp()\n")
    (folder / "host.json").write_text(json.dumps({"version": "2.0"}))
    values = {"FUNCTIONS_WORKER_RUNTIME": "python", "TENANT_ID": tenant, **settings}
    (folder / "local.settings.json").write_text(json.dumps({"IsEncrypted": False, "Values": values}))
    journal = Journal(folder / ".exchange" / "journal.db")
    database_url = f"sqlite:///{folder / 'data.db'}"
    return Host(load_deployment(folder), storage=dev_connection_string(), database_url=database_url, journal=journal)


def _work_under(host: Host, external_id: str) -> None:
    """What a function does in an invocation of its host: read a setting, persist an entity, record a metric, emit
    an event, log."""
    scope = current_invocation.set(InvocationScope(f"inv-{external_id}", "orders"))
    try:
        with runtime_context(host.runtime), tenant_context(current_settings()["TENANT_ID"]):
            ProcessingService().process_entity(external_id, "order", "shop", {"id": external_id})
            registry.record("two.hosts", 1.0, ok=True)
            events.emit("message.completed", external_id=external_id)
            logging.getLogger("user.code").warning("processed %s", external_id)
    finally:
        current_invocation.reset(scope)


def _rows(url: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.exec_driver_sql("SELECT tenant_id, external_id FROM entities")]
    finally:
        engine.dispose()


def test_two_hosts_in_one_process_see_only_their_own_state(tmp_path: Path) -> None:
    one, two = _host(tmp_path / "one", "tenant-one"), _host(tmp_path / "two", "tenant-two")
    assert one.journal is not None and two.journal is not None
    handlers = [logs.install(one.journal, one.runtime), logs.install(two.journal, two.runtime)]  # as start() does
    try:
        _work_under(one, "e-1")
        _work_under(two, "e-2")
        _work_under(two, "e-3")
    finally:
        for handler in handlers:
            logs.uninstall(handler)

    with runtime_context(one.runtime):
        assert (
            current_settings()["DATABASE_URL"] == one.database_url and current_settings()["TENANT_ID"] == "tenant-one"
        )
        assert current_runtime().transport is one.invoker.transport
        assert get_database().url == one.database_url
        assert resolve_app_settings("orders-%TENANT_ID%", where="a binding") == "orders-tenant-one"
    assert two.runtime.settings["TENANT_ID"] == "tenant-two"
    assert one.runtime.transport is not two.runtime.transport and one.invoker.clients is not two.invoker.clients
    assert one.runtime.metrics.snapshot()["two.hosts"]["count"] == 1
    assert two.runtime.metrics.snapshot()["two.hosts"]["count"] == 2
    assert "two.hosts" not in default_runtime().metrics.snapshot()
    one_db = one.runtime.databases.get()
    asyncio.run(one.stop())
    asyncio.run(two.stop())

    for host, ids in ((one, ["e-1"]), (two, ["e-2", "e-3"])):
        assert host.journal is not None
        completed = host.journal.read(kinds=["message.completed"])
        assert [e.data["external_id"] for e in completed] == ids
        logged = [e.data["message"] for e in host.journal.read(kinds=["log"]) if e.data["logger"] == "user.code"]
        assert logged == [f"processed {i}" for i in ids]
        assert host.database_url is not None
        assert sorted(external for _, external in _rows(host.database_url)) == ids
    assert {tenant for tenant, _ in _rows(str(two.database_url))} == {"tenant-two"}
    assert one.runtime.databases.get() is not one_db  # stopping disposed and forgot the host's databases


def test_the_process_environment_refuses_a_second_host_with_other_values_of_a_setting() -> None:
    environment = ProcessEnvironment()
    first = environment.claim(Path("/one"), {"TENANT_ID": "a", "Q_IN": "orders"})
    environment.claim(Path("/same"), {"TENANT_ID": "a", "OTHER": "x"})  # the same values may be shared
    with pytest.raises(SettingsConflictError) as refused:
        environment.claim(Path("/two"), {"TENANT_ID": "b", "Q_IN": "orders"})
    assert "TENANT_ID" in refused.value.message and "/one" in refused.value.message
    assert "Q_IN" not in refused.value.message  # only the settings that differ are named
    environment.release(first)
    environment.claim(Path("/two"), {"TENANT_ID": "a", "Q_IN": "orders"})


def test_the_process_environment_refuses_two_app_folders_with_a_module_of_the_same_name(tmp_path: Path) -> None:
    environment = ProcessEnvironment()
    for name in ("one", "two"):
        (tmp_path / name / "shared").mkdir(parents=True)
        (tmp_path / name / "shared" / "__init__.py").write_text("")
        (tmp_path / name / f"only_{name}.py").write_text("")
    environment.claim(tmp_path / "one", {})
    environment.claim(tmp_path / "one", {})  # the same folder twice imports the same modules: nothing to confuse
    with pytest.raises(SettingsConflictError, match="modules of the same name, shared:"):
        environment.claim(tmp_path / "two", {})


async def _homepage_status(host: Host) -> int:
    """Start only an HTTP server (no functions: indexing would write the app's settings into ``os.environ``) under
    the host's runtime, as the host starts its runners, and ask for ``/``."""
    server = HttpServer(HttpOptions(port=0))
    with runtime_context(host.runtime):
        await server.start_with(host.invoker, [], state_dir=host.deployment.path / ".exchange")
    try:
        async with aiohttp.ClientSession() as client, client.get(server.base_url() + "/") as response:
            return response.status
    finally:
        await server.drain(0)


def test_each_hosts_http_server_follows_its_own_app_settings(tmp_path: Path) -> None:
    plain = _host(tmp_path / "plain", "tenant-one")
    quiet = _host(tmp_path / "quiet", "tenant-two", AzureWebJobsDisableHomepage="true")

    async def both() -> tuple[int, int]:
        return await _homepage_status(quiet), await _homepage_status(plain)

    assert asyncio.run(both()) == (204, 200)
