"""Which key opens what, and keys that persist per deployment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.triggers.http.keys import auth_level, load_keys
from framework.errors import ConfigurationError


def test_each_auth_level_accepts_the_keys_the_functions_host_accepts(tmp_path: Path) -> None:
    keys = load_keys(tmp_path / "keys.json", ["a", "b"])
    a_key, b_key = keys.functions["a"], keys.functions["b"]
    assert keys.allows("anonymous", "a", None)
    assert [keys.allows("function", "a", k) for k in (a_key, keys.host, keys.master, b_key, None, "x")] == [
        True, True, True, False, False, False
    ]  # fmt: skip
    assert [keys.allows("admin", "a", k) for k in (a_key, keys.host, keys.master)] == [False, False, True]
    assert keys.allows("admin", None, keys.master) and not keys.allows("admin", None, keys.host)


def test_keys_persist_and_a_new_function_gets_a_key_of_its_own(tmp_path: Path) -> None:
    first = load_keys(tmp_path / "keys.json", ["a"])
    second = load_keys(tmp_path / "keys.json", ["a", "b"])
    assert (second.master, second.host, second.functions["a"]) == (first.master, first.host, first.functions["a"])
    assert json.loads((tmp_path / "keys.json").read_text())["functionKeys"]["b"] == second.functions["b"]


def test_auth_level_reads_either_case_and_refuses_unknown_levels() -> None:
    assert auth_level({"authLevel": "ANONYMOUS"}) == "anonymous"
    assert auth_level({}) == "function"
    with pytest.raises(ConfigurationError, match="function 'f': unknown authLevel 'system'"):
        auth_level({"authLevel": "SYSTEM"}, function="f")
