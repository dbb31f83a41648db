"""Keys under ``exchange dev --enable-auth``: never printed, shown on request, sent by ``exchange trigger``; and
``--bind`` beyond loopback only with keys or an explicit ``--insecure``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from exchange_cli.main import cli
from tests.cli.dev_support import DevProcess, make_deployment, wait_for
from tests.faults.support import APPS


@pytest.fixture
def secured(tmp_path: Path, storage_connection_string: str):  # type: ignore[no-untyped-def]
    deployment = make_deployment(tmp_path / "app", app="secured", apps=APPS)
    dev = DevProcess(deployment, storage_connection_string, "--enable-auth", "--no-reload")
    try:
        dev.wait_for_log("generation 1:", timeout=60)
        yield deployment, dev
    finally:
        dev.close()


def test_trigger_sends_the_master_key_and_keys_are_never_printed_at_start(secured) -> None:  # type: ignore[no-untyped-def]
    deployment, dev = secured
    keys = json.loads((deployment / ".exchange" / "keys.json").read_text())
    result = CliRunner().invoke(cli, ["trigger", "yearly", "--deployment", str(deployment)])
    assert result.exit_code == 0, result.output
    assert "yearly triggered" in result.output
    wait_for(lambda: "yearly ran" in dev.log(), timeout=30, what="the timer function to run")
    for secret in (keys["masterKey"], keys["hostKeys"]["default"], *keys["functionKeys"].values()):
        assert secret not in dev.log()
    assert "`exchange keys --show` prints them" in dev.log()


def test_keys_are_hidden_unless_asked_for(secured) -> None:  # type: ignore[no-untyped-def]
    deployment, _ = secured
    keys = json.loads((deployment / ".exchange" / "keys.json").read_text())
    assert stat.S_IMODE((deployment / ".exchange" / "keys.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((deployment / ".exchange").stat().st_mode) == 0o700
    hidden = CliRunner().invoke(cli, ["keys", "--deployment", str(deployment)])
    shown = CliRunner().invoke(cli, ["keys", "--show", "--deployment", str(deployment)])
    as_json = CliRunner().invoke(cli, ["keys", "--show", "--json", "--deployment", str(deployment)])
    assert hidden.exit_code == shown.exit_code == as_json.exit_code == 0
    assert keys["masterKey"] not in hidden.output and "function key orders: (hidden" in hidden.output
    assert (
        keys["masterKey"] in shown.output and f"function key orders: {keys['functionKeys']['orders']}" in shown.output
    )
    assert json.loads(as_json.output) == keys


def test_keys_of_a_folder_that_never_ran_with_auth_is_a_clear_error(tmp_path: Path) -> None:
    deployment = make_deployment(tmp_path / "app", app="secured", apps=APPS)
    result = CliRunner().invoke(cli, ["keys", "--deployment", str(deployment)])
    assert result.exit_code == 1
    assert "has no function keys yet" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("bind", ["0.0.0.0", "::", "192.168.1.20", "example.com"])
def test_bind_beyond_loopback_without_keys_is_a_usage_error(tmp_path: Path, bind: str) -> None:
    deployment = make_deployment(tmp_path / "app", app="secured", apps=APPS)
    result = CliRunner().invoke(cli, ["dev", str(deployment), "--no-tui", "--bind", bind])
    assert result.exit_code == 2, result.output
    assert f"--bind {bind} serves the HTTP functions" in result.output
    assert "--enable-auth" in result.output and "--insecure" in result.output


def test_bind_checks_accept_loopback_keys_or_an_explicit_insecure() -> None:
    from emulator.dev.run import check_bind

    assert check_bind("127.0.0.1", enable_auth=False, insecure=False) is None
    assert check_bind("::1", enable_auth=False, insecure=False) is None
    assert check_bind("localhost", enable_auth=False, insecure=False) is None
    assert check_bind("0.0.0.0", enable_auth=True, insecure=False) is None
    warning = check_bind("0.0.0.0", enable_auth=False, insecure=True)
    assert warning is not None and "open to the network" in warning


def test_the_running_host_answers_probes_without_a_key_and_status_only_with_the_master_key(secured) -> None:  # type: ignore[no-untyped-def]
    import urllib.error
    import urllib.request

    deployment, dev = secured
    master = json.loads((deployment / ".exchange" / "keys.json").read_text())["masterKey"]

    def status_of(path: str, method: str = "GET", key: str | None = None) -> int:
        request = urllib.request.Request(dev.base_url + path, method=method, data=b"" if method == "POST" else None)
        if key:
            request.add_header("x-functions-key", key)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code

    assert status_of("/") == 200
    assert status_of("/admin/host/ping", "POST") == 200
    assert status_of("/admin/host/status") == 401
    assert status_of("/admin/host/status", key=master) == 200


def test_the_library_refuses_an_open_bind_too_before_starting_anything(tmp_path: Path) -> None:
    from emulator.dev.run import UnsafeBindError, run_dev
    from emulator.dev.supervisor import DevOptions

    said: list[str] = []
    deployment = make_deployment(tmp_path / "app", app="secured", apps=APPS)
    with pytest.raises(UnsafeBindError):
        run_dev(DevOptions(deployment_dir=deployment, bind="0.0.0.0"), said.append)
    assert said == [] and not (deployment / ".exchange" / "dev.json").exists()
