"""Importing a generated deployment's function_app.py (as the Azure worker does while indexing) does no work: no
database connection, no DDL, no file; the first use connects, and on Azure without DATABASE_URL fails clearly."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from exchange_cli.scaffold import new_customer, new_processor
from framework.migrations import HEAD

pytestmark = pytest.mark.subprocess

#: Index the app as the worker does (import, enumerate the functions), then report; -B: the worker's wwwroot is
#: read-only, so the bytecode cache is not written there either.
INDEX = (
    "import sys, json; sys.path.insert(0, '.'); import function_app; "
    "names = sorted(f.get_function_name() for f in function_app.app.get_functions()); "
    "print(json.dumps({'functions': names, 'sqlalchemy_engines': _engines()}))"
)
ENGINES = (
    "def _engines():\n    import gc, sqlalchemy\n"
    "    return sum(isinstance(o, sqlalchemy.engine.Engine) for o in gc.get_objects())\n"
)
#: The queue function's first run on Azure: the message stays on the queue (raised) with an error naming the setting.
FIRST_USE = (
    "import sys, json; sys.path.insert(0, '.'); import function_app\n"
    "import azure.functions as func\n"
    "fn = next(f for f in function_app.app.get_functions() if f.get_function_name() == 'orders')\n"
    "msg = func.QueueMessage(body=json.dumps({'id': 'o-1'}).encode())\n"
    "try:\n    fn.get_user_function()(msg)\nexcept Exception as exc:\n    print(type(exc).__name__); print(exc)\n"
)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, template_cache: Path) -> Path:
    root = tmp_path_factory.mktemp("noimportwork")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXCHANGE_TEMPLATE_CACHE", str(template_cache))
        new_customer(root, "acme")
        new_processor(root, "orders", customer="acme", trigger="queue")
        new_processor(root, "intake", customer="acme", trigger="http", output_queue="acme-orders-in")
        new_processor(root, "poller", customer="acme", trigger="timer", output_queue="acme-orders-in")
    return root / "deployments" / "acme" / "azure"


class Listener:
    """A TCP port that counts the connections made to it (a "database server" nobody may call at import)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def tree(root: Path) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime for p in root.rglob("*")}


def run(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME")
    }
    return subprocess.run(
        [sys.executable, "-B", "-c", code], cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


@contextmanager
def read_only(root: Path) -> Iterator[None]:
    """The folder and everything in it read-only (root ignores that: the tree comparison is the real check)."""
    modes = {p: p.stat().st_mode for p in [root, *root.rglob("*")]}
    for path in modes:
        path.chmod(modes[path] & ~0o222)
    try:
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def test_importing_function_app_connects_to_no_database_and_writes_nothing(
    deployment: Path, listener: Listener
) -> None:
    workspace = deployment.parents[2]
    before = tree(workspace)
    for env in ({}, {"DATABASE_URL": f"postgresql://app:pw@127.0.0.1:{listener.port}/exchange"}):
        with read_only(workspace):
            done = run(ENGINES + INDEX, deployment, **env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"functions": ["intake", "orders", "poller"], "sqlalchemy_engines": 0}
    assert listener.accepted == 0
    assert tree(workspace) == before  # no .exchange/, no database file, nothing


def test_on_azure_without_database_url_indexing_works_and_the_first_use_names_the_setting(deployment: Path) -> None:
    indexed = run(ENGINES + INDEX, deployment, WEBSITE_INSTANCE_ID="0123abcd", WEBSITE_SITE_NAME="acme-app")
    first = run(FIRST_USE, deployment, WEBSITE_INSTANCE_ID="0123abcd", WEBSITE_SITE_NAME="acme-app")

    assert indexed.returncode == 0, indexed.stderr
    assert first.returncode == 0, first.stderr
    kind, message = first.stdout.splitlines()[:2]
    # raised to the host (as itself or as the handler's outage error), so the message stays on its queue
    assert kind in {"DatabaseUnavailableError", "ServiceOutageError"}
    assert "DATABASE_URL is not set" in message
    assert not (deployment / ".exchange").exists()


def test_the_first_use_locally_creates_and_migrates_the_default_database(deployment: Path, tmp_path: Path) -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(deployment)!r}); import function_app\n"
        "from framework import ProcessingService, tenant_context\n"
        "with tenant_context('acme'):\n    ProcessingService().process_entity('o-1', 'order', 'shop', {'id': 'o-1'})\n"
    )
    first = run(code, tmp_path)  # no DATABASE_URL: ./.exchange/exchange.db of the working directory

    assert first.returncode == 0, first.stderr
    with sqlite3.connect(tmp_path / ".exchange" / "exchange.db") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        assert connection.execute("SELECT count(*) FROM entities").fetchone() == (1,)
