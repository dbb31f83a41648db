"""Secrets stay secret: a full `exchange dev` session leaves no AccountKey or password in a file or its output."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from emulator.dev import state as devstate
from emulator.dev.redaction import REDACTED, redact, restore, secrets_of
from emulator.testing.plugin import QueueMessageSeen
from framework.storage import parse_connection_string
from tests.cli.dev_support import DevProcess, make_deployment, wait_for

Reader = Callable[..., list[QueueMessageSeen]]
PASSWORD = "s3cret-Pa55word"


def _postgres_url() -> str:
    """The test PostgreSQL (trust auth, so any password is accepted) with a password in the URL."""
    base = os.environ.get("EXCHANGE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    if not base.startswith("postgresql"):
        pytest.skip("needs PostgreSQL")
    try:
        import psycopg

        psycopg.connect(base.replace("+psycopg", ""), connect_timeout=3).close()
    except Exception as error:  # any reason it is not reachable: this test needs it
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    scheme, rest = base.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user.split(':')[0]}:{PASSWORD}@{host}"


def exchange(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exchange_cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_redaction_round_trips_through_a_candidate() -> None:
    conn = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=abc+/==;EndpointSuffix=core.windows.net"
    url = f"postgresql+psycopg://app:{PASSWORD}@db.example.com:5432/exchange"

    assert (
        redact(conn)
        == f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={REDACTED};EndpointSuffix=core.windows.net"
    )
    assert redact(url) == f"postgresql+psycopg://app:{REDACTED}@db.example.com:5432/exchange"
    assert secrets_of(conn) == ["abc+/=="] and secrets_of(url) == [PASSWORD]
    assert restore(redact(conn), ["UseDevelopmentStorage=true", conn]) == conn
    assert restore(redact(url), [url.replace("db.example.com", "other.example.com")]) is None


def test_a_full_dev_session_keeps_keys_and_passwords_out_of_files_and_output(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    database_url = _postgres_url()
    key = parse_connection_string(storage_connection_string)["AccountKey"]
    values = {"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out", "TENANT_ID": f"t{queue_name[-8:]}"}
    deployment = make_deployment(tmp_path / "orders", app="orders", values=values)
    secret_file = tmp_path / "storage.conn"
    secret_file.write_text(storage_connection_string)
    proc = DevProcess(deployment, f"@{secret_file}", "--database-url", database_url)  # the key is not in argv
    clean_env = {k: v for k, v in os.environ.items() if k not in {"AzureWebJobsStorage", "EXCHANGE_STORAGE"}}
    try:
        proc.wait_for_log("generation 1")
        state_file = devstate.state_path(deployment)
        assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(state_file.parent.stat().st_mode) == 0o700
        on_disk = json.loads(state_file.read_text())
        assert key not in on_disk["storage"] and PASSWORD not in on_disk["database_url"]
        assert on_disk["storage_file"] == str(secret_file)

        # Another terminal still reaches the host: Azurite's public key is restored, the URL from the environment.
        sent = exchange(
            "send", queue_name, '{"id": "S-1", "total": 1}', "-d", str(deployment), cwd=tmp_path, env=clean_env
        )
        assert sent.returncode == 0, sent.stderr
        wait_for(lambda: queue_reader(f"{queue_name}-out"), what="the routed order")
        no_url = exchange("entities", "-d", str(deployment), cwd=tmp_path, env=clean_env)
        with_url = exchange(
            "entities",
            "--json",
            "--tenant",
            values["TENANT_ID"],  # the PostgreSQL database is shared with earlier runs
            "-d",
            str(deployment),
            cwd=tmp_path,
            env={**clean_env, "EXCHANGE_DATABASE_URL": database_url},
        )
        messages = exchange("messages", "--json", "-d", str(deployment), cwd=tmp_path, env=clean_env)
    finally:
        proc.close()

    assert no_url.returncode == 1 and "database password of the host" in no_url.stderr
    assert "EXCHANGE_DATABASE_URL" in no_url.stderr
    assert with_url.returncode == 0, with_url.stderr
    assert [e["external_id"] for e in json.loads(with_url.stdout)] == ["S-1"]
    output = proc.log() + sent.stdout + sent.stderr + messages.stdout + messages.stderr
    files = {p: p.read_bytes() for p in (deployment / ".exchange").rglob("*") if p.is_file()}
    assert files, "the session wrote nothing under .exchange"
    for secret in (key, PASSWORD):
        assert secret not in output
        leaked = [p.name for p, data in files.items() if secret.encode() in data]
        assert not leaked, f"{secret[:6]}... found in {leaked}"


def test_a_host_with_a_key_that_is_not_recoverable_asks_for_storage(tmp_path: Path) -> None:
    conn = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net"
    folder = tmp_path / "app"
    folder.mkdir()
    devstate.write(folder, devstate.DevState(os.getpid(), str(folder), conn, "http://127.0.0.1:1", None, None))
    state = devstate.read(folder)
    assert state is not None and "c2VjcmV0" not in state.storage

    with pytest.raises(devstate.ConfigurationError, match="storage key of the host running"):
        devstate.host_storage(state)


def test_a_key_read_from_a_file_is_found_there_again(tmp_path: Path) -> None:
    conn = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net"
    (tmp_path / "storage.conn").write_text(conn + "\n")
    folder = tmp_path / "app"
    folder.mkdir()
    state = devstate.DevState(os.getpid(), str(folder), conn, "http://127.0.0.1:1", None, None)
    devstate.write(folder, replace(state, storage_file=str(tmp_path / "storage.conn")))

    found = devstate.read(folder)

    assert found is not None and "c2VjcmV0" not in devstate.state_path(folder).read_text()
    assert devstate.host_storage(found) == conn
