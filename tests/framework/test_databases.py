"""The databases of the runtime in force: an object one can make twice, in force per block, thread and task."""

from __future__ import annotations

import contextvars
import threading
from pathlib import Path

import pytest

from framework import ProcessingService, tenant_context
from framework.context import runtime_context
from framework.databases import Databases, current_databases, get_database
from framework.hosting import running_on_azure
from framework.runtime import Runtime

pytestmark = pytest.mark.database


def test_two_sets_of_databases_do_not_share_a_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    first, second = Databases(), Databases()
    assert first.get(url) is first.get(url)
    assert first.get(url) is not second.get(url)
    first.close()
    second.close()


def test_get_database_follows_the_runtime_in_force_and_the_outer_one_comes_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    outer = current_databases()
    mine = Databases()
    with runtime_context(Runtime(databases=mine)):
        assert current_databases() is mine
        assert get_database(url) is mine.get(url)
        with runtime_context(Runtime()) as inner:
            assert get_database(url) is inner.databases.get(url) is not mine.get(url)
        assert current_databases() is mine
    assert current_databases() is outer
    mine.close()


def test_services_made_without_a_database_use_the_runtimes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    a, b = Databases(), Databases()
    with runtime_context(Runtime(databases=a)):
        service = ProcessingService()
        with tenant_context("t"):
            service.process_entity("e-1", "order", "shop", {"n": 1})
        assert service.database is a.get()
    with runtime_context(Runtime(databases=b)):
        assert ProcessingService().database is b.get() is not a.get()
    assert a.get().known_tenants == {"t"} and b.get().known_tenants == set()  # no state shared between the sets
    a.close()
    b.close()


def test_a_thread_started_with_the_context_sees_the_runtime_in_force_and_a_bare_one_the_process_default() -> None:
    mine = Databases()
    seen: dict[str, Databases] = {}
    with runtime_context(Runtime(databases=mine)):
        context = contextvars.copy_context()
        copied = threading.Thread(target=lambda: context.run(lambda: seen.update(copied=current_databases())))
        bare = threading.Thread(target=lambda: seen.update(bare=current_databases()))
        for t in (copied, bare):
            t.start()
            t.join()
    assert seen["copied"] is mine
    assert seen["bare"] is current_databases() is not mine


def test_azure_is_recognised_by_the_platform_settings_not_by_a_container_name_alone() -> None:
    assert running_on_azure({"WEBSITE_INSTANCE_ID": "abc"})
    assert running_on_azure({"WEBSITE_SITE_NAME": "acme-app", "CONTAINER_NAME": "x"})
    assert not running_on_azure({"CONTAINER_NAME": "some-dev-container", "FUNCTIONS_WORKER_RUNTIME": "python"})
    assert not running_on_azure({})
