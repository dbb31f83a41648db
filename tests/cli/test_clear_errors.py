"""A user's mistake or a stopped service gives one readable error and exit 1 or 2, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.azurite import free_port
from emulator.client import queues as queue_ops
from emulator.journal.store import Journal
from exchange_cli.main import cli
from framework.storage import dev_connection_string

pytestmark = pytest.mark.subprocess

APP = "import azure.functions as func\n\napp = func.FunctionApp()\n"


def exchange(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real ``exchange`` command in a process of its own (its stderr is what a user sees)."""
    return subprocess.run(
        [sys.executable, "-m", "exchange_cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def deployment(root: Path) -> Path:
    """A minimal deployment folder (no host runs it)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "function_app.py").write_text(APP)
    (root / "host.json").write_text('{"version": "2.0"}')
    return root


@pytest.fixture
def dead_storage() -> str:
    """A connection string to a port nothing listens on."""
    return dev_connection_string(ports={"Queue": free_port(), "Blob": free_port(), "Table": free_port()})


@pytest.mark.parametrize(
    "args",
    [["send", "orders", '{"id": 1}'], ["poison", "list", "orders"], ["poison", "replay", "orders"]],
    ids=["send", "poison-list", "poison-replay"],
)
def test_no_storage_running_is_one_clear_error(args: list[str], dead_storage: str, tmp_path: Path) -> None:
    done = exchange(*args, "--storage", dead_storage, cwd=tmp_path)

    assert done.returncode == 1
    port = dead_storage.split("QueueEndpoint=http://127.0.0.1:")[1].split("/")[0]
    assert done.stderr.startswith(
        f"Error: Cannot reach the queue service at http://127.0.0.1:{port}/devstoreaccount1.\n"
    )
    assert "exchange azurite start" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("storage", "expected"),
    [
        ("garbage", "Error: --storage: the storage connection string is malformed."),
        (
            "AccountName=x;AccountKey=not-base64!!;QueueEndpoint=http://127.0.0.1:1/x",
            "Error: --storage: the AccountKey of the storage connection string is not valid base64.",
        ),
    ],
)
def test_a_bad_storage_connection_string_is_named(storage: str, expected: str, tmp_path: Path) -> None:
    done = exchange("send", "orders", "{}", "--storage", storage, cwd=tmp_path)

    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == expected
    assert "Traceback" not in done.stderr


def test_storage_can_come_from_a_file_or_the_environment(
    storage_connection_string: str, queue_name: str, tmp_path: Path
) -> None:
    secret = tmp_path / "storage.conn"
    secret.write_text(storage_connection_string + "\n")

    from_file = exchange("send", queue_name, '{"n": 1}', "--storage", f"@{secret}", cwd=tmp_path)
    from_env = exchange(
        "send", queue_name, '{"n": 2}', cwd=tmp_path, env={"EXCHANGE_STORAGE": storage_connection_string}
    )

    assert (from_file.returncode, from_env.returncode) == (0, 0), from_file.stderr + from_env.stderr
    assert len(queue_ops.peek(storage_connection_string, queue_name)) == 2


def test_a_missing_storage_file_is_named(tmp_path: Path) -> None:
    done = exchange("send", "orders", "{}", "--storage", f"@{tmp_path / 'nope'}", cwd=tmp_path)

    assert done.returncode == 2
    assert f"Invalid value for '--storage': cannot read {tmp_path / 'nope'}: No such file or directory" in done.stderr


def test_deeply_nested_json_is_refused_with_a_pointer_to_raw(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)

    done = exchange("send", "orders", f"@{tmp_path / 'deep.json'}", cwd=tmp_path)

    assert done.returncode == 2
    assert "nested too deeply to check as JSON" in done.stderr and "--raw" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB tmpfs, filled up after the test put its files there (needs root, like the faults tests)."""
    mount = tmp_path / "full"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=False).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(mount: Path) -> None:
    fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass  # ENOSPC: the disk is full now
    finally:
        os.close(fd)


def test_messages_on_a_full_disk_without_a_journal_says_so_and_writes_nothing(full_disk: Path) -> None:
    app = deployment(full_disk / "app")
    _fill(full_disk)

    done = exchange("messages", "--deployment", str(app))

    assert done.returncode == 0, done.stderr
    assert (
        done.stdout
        == f"No messages yet: {app / '.exchange' / 'journal.db'} does not exist (no host has run this deployment).\n"
    )
    assert not (app / ".exchange").exists()


def test_messages_on_a_full_disk_with_a_journal_is_one_clear_error(full_disk: Path) -> None:
    app = deployment(full_disk / "app")
    journal = Journal(app / ".exchange" / "journal.db")
    journal.record("message.in", queue="orders", function="ingest", body='{"id": 1}')
    journal.close()
    _fill(full_disk)

    done = exchange("messages", "--deployment", str(app))

    assert done.returncode in (0, 1)
    if done.returncode == 1:  # SQLite could not make its shared-memory file: the error says the disk is full
        assert done.stderr.startswith(f"Error: Cannot read the journal {journal.path}: ")
        assert f"(the disk holding {journal.path.parent} is full)" in done.stderr
    else:
        assert "orders -> ingest" in done.stdout
    assert "Traceback" not in done.stderr


def test_entities_without_a_database_says_so_and_creates_none(tmp_path: Path) -> None:
    app = deployment(tmp_path / "app")

    done = exchange("entities", "--deployment", str(app))

    assert done.returncode == 0, done.stderr
    assert "No entities yet" in done.stdout
    assert not (app / ".exchange" / "exchange.db").exists()


def test_entities_has_a_header(tmp_path: Path) -> None:
    from framework import tenant_context
    from framework.db import Database
    from framework.services import ProcessingService

    app = deployment(tmp_path / "app")
    database = Database(f"sqlite:///{app / '.exchange' / 'exchange.db'}")
    database.create_schema()
    with tenant_context("acme"):
        ProcessingService(database).process_entity("7", "order", "shop", {"id": 7})
    database.dispose()

    out = CliRunner().invoke(cli, ["entities", "--deployment", str(app)]).output.splitlines()

    assert out[0].split() == ["ID", "TENANT", "TYPE/SOURCE/EXTERNAL", "ID", "VERSION", "UPDATED"]
    assert out[1].split()[1:4] == ["acme", "order/shop/7", "v1"]


def test_poison_list_shows_why_each_message_failed(storage_connection_string: str, tmp_path: Path) -> None:
    app = deployment(tmp_path / "app")
    queue = f"orders{free_port()}"
    queue_ops.send(storage_connection_string, f"{queue}-poison", ['{"id": 1}', '{"id": 2}'])
    journal = Journal(app / ".exchange" / "journal.db")
    journal.record("message.poison", queue=queue, body='{"id": 1}', reason="failed 5 times: ValueError: no id")
    journal.close()

    out = CliRunner().invoke(cli, ["poison", "list", queue, "-d", str(app), "--storage", storage_connection_string])
    listed = CliRunner().invoke(
        cli, ["poison", "list", queue, "-d", str(app), "--storage", storage_connection_string, "--json"]
    )

    assert out.exit_code == 0, out.output
    assert "reason: failed 5 times: ValueError: no id" in out.output
    assert "reason: unknown (not in this deployment's journal)" in out.output
    assert "dequeued 0x" not in out.output
    assert sorted((m["body"], m["reason"]) for m in json.loads(listed.output)) == [
        ('{"id": 1}', "failed 5 times: ValueError: no id"),
        ('{"id": 2}', None),
    ]


def test_an_unexpected_error_is_one_line_unless_debug() -> None:
    import click

    from exchange_cli.errors import translate_errors

    with pytest.raises(click.ClickException, match=r"(?s)unexpected ZeroDivisionError.*--debug"), translate_errors():
        _ = 1 / 0
    with pytest.raises(ZeroDivisionError), translate_errors(debug=True):
        _ = 1 / 0


def test_debug_is_a_global_flag(tmp_path: Path) -> None:
    done = exchange("--debug", "send", "orders", "{}", "--storage", "garbage", cwd=tmp_path)

    assert done.returncode == 1
    assert "--storage: the storage connection string is malformed." in done.stderr


def test_a_dead_letter_line_carries_its_reason(tmp_path: Path) -> None:
    app = deployment(tmp_path / "app")
    journal = Journal(app / ".exchange" / "journal.db")
    journal.record(
        "message.dead_lettered",
        function="coffee_order",
        queue="dead-letter",
        error_type="ProcessorValidationError",
        error_message="Missing drink type",
    )
    journal.close()

    out = CliRunner().invoke(cli, ["messages", "-d", str(app)])

    assert out.exit_code == 0, out.output
    assert "DLQ dead-letter <- coffee_order" in out.output
    assert "reason: ProcessorValidationError: Missing drink type" in out.output
