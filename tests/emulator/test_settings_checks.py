"""host.json and local.settings.json mistakes the host would ignore silently: said or refused, naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.app.deployment import load_deployment
from emulator.app.settings_checks import SettingsError

APP = "import azure.functions as func\n\napp = func.FunctionApp()\n"


def make(tmp_path: Path, host: object, local: object | None = None, *, bom: bool = False) -> Path:
    (tmp_path / "function_app.py").write_text(APP)
    text = json.dumps(host)
    (tmp_path / "host.json").write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    if local is not None:
        (tmp_path / "local.settings.json").write_text(json.dumps(local))
    return tmp_path


def test_unknown_host_json_keys_are_warned_about_by_name(tmp_path: Path) -> None:
    host = {"version": "2.0", "extentions": {}, "extensions": {"queues": {"maxDequeCount": 2, "batchSize": 4}}}

    deployment = load_deployment(make(tmp_path, host))

    file = tmp_path / "host.json"
    assert deployment.warnings == (
        f"{file}: 'extentions' is not a setting the Functions host knows; it is ignored (a typo?)",
        f"{file}: 'extensions.queues.maxdequecount' is not a setting the Functions host knows; it is ignored (a typo?)",
    )
    assert deployment.host.queues.batch_size == 4


def test_known_keys_in_any_case_give_no_warning(tmp_path: Path) -> None:
    host = {
        "version": "2.0",
        "Logging": {},
        "extensions": {"Queues": {"MaxDequeueCount": 2}, "http": {"routePrefix": ""}},
    }

    assert load_deployment(make(tmp_path, host)).warnings == ()


def test_a_bom_is_read_as_the_host_reads_it(tmp_path: Path) -> None:
    deployment = load_deployment(make(tmp_path, {"version": "2.0", "functionTimeout": "00:01:00"}, bom=True))

    assert deployment.host.function_timeout_s == 60


@pytest.mark.parametrize("prefix", ["../../", "..", "api/../admin", "./api", "a\\..\\b"])
def test_a_route_prefix_with_dot_segments_is_refused(tmp_path: Path, prefix: str) -> None:
    host = {"version": "2.0", "extensions": {"http": {"routePrefix": prefix}}}

    with pytest.raises(SettingsError, match=r"host.json: extensions.http.routePrefix is .*'\.' and '\.\.' segments"):
        load_deployment(make(tmp_path, host))


@pytest.mark.parametrize("value", ["true", "false", 1, None])
def test_is_encrypted_that_is_not_a_boolean_is_refused(tmp_path: Path, value: object) -> None:
    with pytest.raises(SettingsError, match=r"local.settings.json: IsEncrypted is .*; it must be true or false"):
        load_deployment(make(tmp_path, {"version": "2.0"}, {"IsEncrypted": value, "Values": {}}))


def test_an_empty_setting_name_is_skipped_with_a_warning_and_null_values_are_dropped(tmp_path: Path) -> None:
    local = {"IsEncrypted": False, "Values": {"": "x", "A": None, "B": "b"}}

    deployment = load_deployment(make(tmp_path, {"version": "2.0"}, local))

    assert deployment.local.values == {"B": "b"}
    assert deployment.warnings == (
        f"{tmp_path / 'local.settings.json'}: Values has a setting with an empty name; it is skipped",
    )
