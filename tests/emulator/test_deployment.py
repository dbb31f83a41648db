"""Reading host.json and local.settings.json: the host's defaults, and readable errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.app.deployment import DeploymentError, load_deployment


def make(tmp_path: Path, host: str = '{"version": "2.0"}', local: str | None = None) -> Path:
    (tmp_path / "function_app.py").write_text("")
    (tmp_path / "host.json").write_text(host)
    if local is not None:
        (tmp_path / "local.settings.json").write_text(local)
    return tmp_path


def test_defaults_are_the_functions_host_defaults(tmp_path: Path) -> None:
    deployment = load_deployment(make(tmp_path))

    queues = deployment.host.queues
    assert (queues.batch_size, queues.new_batch_threshold, queues.max_dequeue_count) == (16, 8, 5)
    assert (queues.visibility_timeout_s, queues.max_polling_interval_s, queues.message_encoding) == (0, 60, "base64")
    assert queues.local_polling_cap_s == 0.25
    assert deployment.host.http.route_prefix == "api"
    assert deployment.host.function_timeout_s == 300
    assert deployment.host.functions is None
    assert deployment.local.http_port == 7071


def test_host_json_and_local_settings_values_are_read(tmp_path: Path) -> None:
    host = """{"version": "2.0", "functionTimeout": "00:10:30", "functions": ["a"],
      "extensions": {"queues": {"batchSize": 4, "maxDequeueCount": 2, "visibilityTimeout": "00:00:05",
                                "maxPollingInterval": "00:00:00.200", "messageEncoding": "None"},
                     "http": {"routePrefix": ""}}}"""
    local = (
        '{"Values": {"TENANT_ID": "t1", "AzureWebJobs.a.Disabled": "true", "N": 3}, "Host": {"LocalHttpPort": 8080}}'
    )
    deployment = load_deployment(make(tmp_path, host, local))

    assert deployment.host.function_timeout_s == 630
    assert deployment.host.queues.batch_size == 4
    assert deployment.host.queues.new_batch_threshold == 2
    assert deployment.host.queues.visibility_timeout_s == 5
    assert deployment.host.queues.local_polling_cap_s == 0.2
    assert deployment.host.queues.message_encoding == "none"
    assert deployment.host.http.route_prefix == ""
    assert deployment.host.functions == ("a",)
    assert deployment.local.values["N"] == "3"
    assert deployment.local.is_disabled("a") and not deployment.local.is_disabled("b")
    assert deployment.local.http_port == 8080


def test_unlimited_function_timeout(tmp_path: Path) -> None:
    assert (
        load_deployment(make(tmp_path, '{"version": "2.0", "functionTimeout": "-1"}')).host.function_timeout_s is None
    )


def test_broken_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    make(tmp_path, '{\n  "version": "2.0",\n  "extensions": {,}\n}')
    with pytest.raises(DeploymentError) as info:
        load_deployment(tmp_path)
    assert f"{tmp_path / 'host.json'}:3:18" in str(info.value)
    assert "line 3, column 18" in str(info.value)
    assert info.value.hint and "trailing commas" in info.value.hint


def test_broken_local_settings_names_its_file(tmp_path: Path) -> None:
    make(tmp_path, local='{"Values": {"A": "1",}}')
    with pytest.raises(DeploymentError, match=r"local\.settings\.json:1:2[12]"):
        load_deployment(tmp_path)


@pytest.mark.parametrize(
    ("queues", "key"),
    [
        ('{"batchSize": 100}', "extensions.queues.batchSize is 100"),
        ('{"maxDequeueCount": "five"}', "extensions.queues.maxDequeueCount is 'five'"),
        ('{"visibilityTimeout": "30s"}', "extensions.queues.visibilityTimeout is '30s'"),
        ('{"maxPollingInterval": "00:00:00.050"}', "maxPollingInterval is 50 ms"),
        ('{"messageEncoding": "utf8"}', "messageEncoding is 'utf8'"),
    ],
)
def test_a_bad_queue_setting_names_the_key(tmp_path: Path, queues: str, key: str) -> None:
    make(tmp_path, f'{{"version": "2.0", "extensions": {{"queues": {queues}}}}}')
    with pytest.raises(DeploymentError) as info:
        load_deployment(tmp_path)
    assert key in str(info.value)


def test_a_bad_function_timeout_names_the_key(tmp_path: Path) -> None:
    make(tmp_path, '{"version": "2.0", "functionTimeout": "5 minutes"}')
    with pytest.raises(DeploymentError, match="functionTimeout is '5 minutes', not a timespan"):
        load_deployment(tmp_path)


def test_missing_host_json_says_what_to_create(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text("")
    with pytest.raises(DeploymentError, match=r"host\.json is missing") as info:
        load_deployment(tmp_path)
    assert info.value.hint and '"version": "2.0"' in info.value.hint


def test_wrong_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DeploymentError, match=r'reads only "2\.0"'):
        load_deployment(make(tmp_path, '{"version": "1.0"}'))


def test_local_settings_json_is_optional(tmp_path: Path) -> None:
    assert load_deployment(make(tmp_path)).local.values == {}


def test_host_json_keys_are_case_insensitive_as_in_the_host(tmp_path: Path) -> None:
    host = '{"Version": "2.0", "FunctionTimeout": "00:00:30", "Extensions": {"Queues": {"BatchSize": 2}}}'
    deployment = load_deployment(make(tmp_path, host))
    assert deployment.host.function_timeout_s == 30
    assert deployment.host.queues.batch_size == 2


def test_encrypted_local_settings_are_refused_with_what_to_do(tmp_path: Path) -> None:
    make(tmp_path, local='{"IsEncrypted": true, "Values": {"A": "c2VjcmV0"}}')
    with pytest.raises(DeploymentError, match="IsEncrypted is true") as info:
        load_deployment(tmp_path)
    assert info.value.hint and "func settings decrypt" in info.value.hint
