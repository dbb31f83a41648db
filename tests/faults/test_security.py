"""Security: servers on loopback unless told otherwise, keys enforced end to end, tenants kept apart under load."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from emulator.dev.supervisor import DevOptions
from emulator.triggers.http.server import HttpOptions
from framework.context import tenant_context
from framework.db import Database
from framework.services import EntityService, ProcessingService
from tests.cli.dev_support import DevProcess, make_deployment, wait_for
from tests.faults.support import APPS

pytestmark = pytest.mark.subprocess


def status(url: str) -> int:
    """The HTTP status of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def listening_addresses(port: int) -> set[str]:
    """The local addresses of sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_every_server_defaults_to_loopback() -> None:
    from exchange_cli.commands.dev import dev

    bind = next(p for p in dev.params if p.name == "bind")

    assert bind.default == "127.0.0.1"
    assert DevOptions(deployment_dir=Path(".")).bind == "127.0.0.1"
    assert HttpOptions().host == "127.0.0.1"


def test_exchange_dev_listens_on_loopback_and_enforces_keys_when_asked(
    tmp_path: Path, storage_connection_string: str
) -> None:
    deployment = make_deployment(tmp_path / "app", app="secured", apps=APPS)
    dev = DevProcess(deployment, storage_connection_string, "--enable-auth", "--no-reload")
    try:
        dev.wait_for_log("generation 1:", timeout=60)
        url = f"{dev.base_url}/api/orders"
        keys = json.loads(wait_for(lambda: _read(deployment / ".exchange" / "keys.json"), what="keys.json"))

        assert listening_addresses(dev.port) == {"0100007F"}  # 127.0.0.1, nothing else
        assert status(url) == 401
        assert status(f"{url}?code=not-the-key") == 401
        assert status(f"{url}?code={keys['functionKeys']['orders']}") == 200
        assert status(f"{url}?code={keys['hostKeys']['default']}") == 200
    finally:
        dev.close()


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


@pytest.mark.database
def test_a_tenant_never_reads_another_tenants_entities_under_concurrent_load(database: Database) -> None:
    """Eight threads, each under its own tenant, write and read the same external ids at the same time."""
    tenants = [f"tenant-{n}" for n in range(8)]
    barrier = threading.Barrier(len(tenants))
    leaks: list[str] = []

    def work(tenant: str) -> None:
        writer, reader = ProcessingService(database), EntityService(database)
        barrier.wait()
        with tenant_context(tenant):
            for n in range(15):
                writer.process_entity(f"ORDER-{n}", "order", "shop", {"owner": tenant, "n": n})
                seen = [
                    *reader.list_entities(canonical_type="order"),
                    reader.find_entity(f"ORDER-{n}", "order", "shop"),
                ]
                leaks.extend(f"{tenant} saw {e.tenant_id}" for e in seen if e is not None and e.tenant_id != tenant)
                leaks.extend(
                    f"{tenant} read {e.content}" for e in seen if e is not None and e.content["owner"] != tenant
                )

    run_threads(work, tenants)

    assert not leaks, leaks[:5]
    for tenant in tenants:
        with tenant_context(tenant):
            assert len(EntityService(database).list_entities(canonical_type="order")) == 15


def run_threads(work: Callable[[str], None], names: list[str]) -> None:
    """Run ``work(name)`` in one thread per name; re-raise the first error."""
    errors: list[BaseException] = []

    def guarded(name: str) -> None:
        try:
            work(name)
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]
