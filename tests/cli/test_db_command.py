"""``exchange db`` and ``python -m framework.migrate``: upgrade, current, history on a deployment's database."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from exchange_cli.main import cli
from framework.migrations import HEAD
from framework.models import Base

pytestmark = pytest.mark.database


def deployment_with_database(folder: Path, url: str) -> Path:
    folder.mkdir()
    (folder / "function_app.py").write_text("import azure.functions as func\napp = func.FunctionApp()\n")
    (folder / "host.json").write_text(json.dumps({"version": "2.0"}))
    settings = {"IsEncrypted": False, "Values": {"FUNCTIONS_WORKER_RUNTIME": "python", "DATABASE_URL": url}}
    (folder / "local.settings.json").write_text(json.dumps(settings))
    return folder


def test_exchange_db_upgrade_adopts_an_old_database_found_through_local_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    db_file = tmp_path / "old.db"
    engine = sa.create_engine(f"sqlite:///{db_file}")
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO tenants (id, name, created_at) VALUES ('t', 't', '2026-01-01')")
    engine.dispose()
    app = deployment_with_database(tmp_path / "app", f"sqlite:///{db_file}")
    runner = CliRunner()

    before = runner.invoke(cli, ["db", "current", "--deployment", str(app)])
    upgraded = runner.invoke(cli, ["db", "upgrade", "--deployment", str(app)])
    after = runner.invoke(cli, ["db", "current", "--deployment", str(app)])

    assert before.output == f"sqlite:///{db_file}: none: a schema made by create_all, adopted as 0001 on upgrade\n"
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.output == f"sqlite:///{db_file}: adopted the create_all schema as revision 0001, now at {HEAD}\n"
    assert after.output == f"sqlite:///{db_file}: {HEAD} (head)\n"
    with sa.create_engine(f"sqlite:///{db_file}").connect() as connection:
        assert connection.exec_driver_sql("SELECT id FROM tenants").all() == [("t",)]


def test_exchange_db_database_url_option_wins_and_history_lists_the_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    runner = CliRunner()
    missing = runner.invoke(cli, ["db", "current", "--database-url", url])
    created_by_current = (tmp_path / "new.db").exists()
    upgraded = runner.invoke(cli, ["db", "upgrade", "--database-url", url])
    again = runner.invoke(cli, ["db", "upgrade"], env={"DATABASE_URL": url})
    history = runner.invoke(cli, ["db", "history"])

    assert "no database yet" in missing.output and not created_by_current
    assert upgraded.output == f"{url}: upgraded from none: no framework schema to {HEAD}\n"
    assert again.output == f"{url}: already at {HEAD}\n"
    assert history.output.startswith(f"{HEAD} (head) <- ")


def test_exchange_db_upgrade_on_an_unreachable_server_is_one_clear_error(free_tcp_port: int) -> None:
    done = CliRunner().invoke(
        cli, ["db", "upgrade", "--database-url", f"postgresql://u:pw@127.0.0.1:{free_tcp_port}/x"]
    )
    assert done.exit_code == 1
    assert done.output.startswith(
        f"Error: Cannot connect to the database postgresql+psycopg://u:***@127.0.0.1:{free_tcp_port}/x"
    )
    assert "pw" not in done.output and "Traceback" not in done.output


@pytest.fixture
def free_tcp_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.subprocess
def test_python_m_framework_migrate_needs_no_cli_and_reads_database_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'azure.db'}"

    def migrate(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": url}
        command = [sys.executable, "-m", "framework.migrate", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)

    done, current, bad = migrate("upgrade"), migrate("current"), migrate("current", "--database-url", "nosuch://x")

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{url}: upgraded from none: no framework schema to {HEAD}\n"
    assert current.stdout == f"{url}: {HEAD} (head)\n"
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.startswith("error: The database URL nosuch://x cannot be used: ")
    assert "Traceback" not in bad.stderr


def test_exchange_entities_before_anything_ran_lists_none_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    db_file = tmp_path / "later.db"
    app = deployment_with_database(tmp_path / "app", f"sqlite:///{db_file}")
    runner = CliRunner()

    missing = runner.invoke(cli, ["entities", "-d", str(app)])
    sqlite3.connect(db_file).close()  # an empty file: what a first connection leaves behind
    empty = runner.invoke(cli, ["entities", "--json", "-d", str(app)])

    assert missing.exit_code == 0, missing.output
    assert missing.output == f"No entities yet: {db_file} does not exist (nothing was stored).\n"
    assert empty.exit_code == 0 and json.loads(empty.output) == [], empty.output
    with sqlite3.connect(db_file) as connection:  # read only: no schema made by a read command
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
