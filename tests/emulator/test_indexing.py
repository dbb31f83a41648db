"""Indexing function_app.py from the FunctionApp object, and the errors a user can make."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.app.deployment import load_deployment
from emulator.app.indexing import IndexingError, index_functions
from tests.emulator.support import APPS, deploy


def test_functions_are_indexed_with_their_bindings(tmp_path: Path) -> None:
    functions = {f.name: f for f in index_functions(load_deployment(deploy("outputs", tmp_path, values={"Q": "q"})))}

    multi = functions["several_outputs"]
    assert multi.trigger.type == "queueTrigger" and multi.trigger.direction == "in"
    assert multi.trigger.settings["queueName"] == "%Q%-multi"
    assert sorted((b.name, b.type, b.direction) for b in multi.bindings) == [
        ("$return", "queue", "out"),
        ("first", "queue", "out"),
        ("second", "queue", "out"),
    ]
    assert multi.source.endswith(f"function_app.py:{_line_of(tmp_path, 'def several_outputs')}")
    assert functions["async_return"].is_async and not multi.is_async


def test_disabled_by_setting_and_by_host_json_functions_list(tmp_path: Path) -> None:
    app = deploy(
        "outputs",
        tmp_path,
        host={"functions": ["out_str", "out_list"]},
        values={"Q": "q", "AzureWebJobs.out_list.Disabled": "true"},
    )
    enabled = sorted(f.name for f in index_functions(load_deployment(app)) if not f.disabled)
    assert enabled == ["out_str"]


def test_local_settings_values_are_in_the_environment_at_import(tmp_path: Path) -> None:
    app = deploy("outputs", tmp_path, values={"Q": "q", "EXCHANGE_TEST_SETTING": "from-settings"})
    index_functions(load_deployment(app), env={"EXCHANGE_TEST_OVERRIDE": "host"})
    import os

    assert os.environ["EXCHANGE_TEST_SETTING"] == "from-settings"
    assert os.environ["EXCHANGE_TEST_OVERRIDE"] == "host"


def test_a_syntax_error_names_file_and_line_not_a_traceback(tmp_path: Path) -> None:
    deploy("metadata", tmp_path)
    (tmp_path / "function_app.py").write_text("import azure.functions as func\n\ndef broken(:\n    pass\n")
    with pytest.raises(IndexingError) as info:
        index_functions(load_deployment(tmp_path))
    message = str(info.value)
    assert f"{tmp_path / 'function_app.py'}:3" in message
    assert "SyntaxError" in message and "def broken(:" in message
    assert "Traceback" not in message and "Traceback" in info.value.details


def test_an_import_error_points_at_the_users_line(tmp_path: Path) -> None:
    with pytest.raises(IndexingError) as info:
        index_functions(load_deployment(deploy("import_error", tmp_path)))
    assert f"{tmp_path / 'exchange_test_helpers.py'}:5" in str(info.value)
    assert "KeyError: 'TENANT_ID'" in str(info.value)


def test_an_app_without_functions_is_an_error_never_zero_functions(tmp_path: Path) -> None:
    with pytest.raises(IndexingError, match=r"No functions registered in function_app\.py") as info:
        index_functions(load_deployment(deploy("no_functions", tmp_path)))
    assert info.value.hint and "@app.queue_trigger" in info.value.hint


def test_a_module_without_a_function_app_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(IndexingError, match="no FunctionApp found"):
        index_functions(load_deployment(deploy("no_app", tmp_path)))


def test_a_binding_not_emulated_is_listed_as_not_run_and_the_function_is_not_run(tmp_path: Path) -> None:
    (fn,) = index_functions(load_deployment(deploy("unsupported", tmp_path)))
    assert fn.disabled and fn.not_run is not None
    assert (
        fn.state
        == "not run locally: cosmosDB out (doc), exchange does not emulate Cosmos DB; the function runs on Azure"
    )


def test_the_host_json_functions_list_ignores_case_as_the_host_does(tmp_path: Path) -> None:
    app = deploy("outputs", tmp_path, host={"functions": ["OUT_STR"]}, values={"Q": "q"})
    assert [f.name for f in index_functions(load_deployment(app)) if not f.disabled] == ["out_str"]


def _line_of(folder: Path, text: str) -> int:
    lines = (folder / "function_app.py").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


assert APPS.is_dir()


def test_a_parameter_without_a_binding_is_refused_as_the_worker_does(tmp_path: Path) -> None:
    deploy("metadata", tmp_path)
    (tmp_path / "function_app.py").write_text(
        "import azure.functions as func\n"
        "app = func.FunctionApp()\n\n"
        '@app.queue_trigger(arg_name="message", queue_name="q-in", connection="AzureWebJobsStorage")\n'
        "def typo(msg: func.QueueMessage) -> None:\n"
        "    pass\n"
    )
    with pytest.raises(IndexingError) as info:
        index_functions(load_deployment(tmp_path))
    assert "function_app.py:5: FunctionLoadError: cannot load the typo function" in str(info.value)
    assert "the following parameters are declared in Python but not in the function definition" in str(info.value)
    assert "{'msg'}" in str(info.value)
