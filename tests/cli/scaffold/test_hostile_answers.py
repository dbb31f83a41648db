"""Template answers are data: hostile answers are refused by kind, and escaped for their file if they get through."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result

from exchange_cli.scaffold.answers import KINDS, check_answers
from exchange_cli.scaffold.errors import InvalidNameError
from exchange_cli.scaffold.source import installed_templates

pytestmark = pytest.mark.subprocess

#: Closes a Python string, runs code, and reopens one; closes a JSON string and adds a key; breaks TOML and YAML.
INJECTION = 'x"; import os; os.system("touch PWNED"); y="'
HOSTILE = [
    INJECTION,
    'acme", "EVIL": "1',
    "x'''\n\"\"\"\nimport os\n#",
    "a\\\nb = 1\n[tool.evil]",
    "{{ 7 * 7 }} {% raw %}",
    "</script>&'<",
]
#: Questions whose answers are spliced in as names (paths, identifiers): they can only be refused, not escaped.
STRUCTURAL = {"customer", "name", "processor", "class_prefix", "trigger", "queue_batch_size", "http_port"}


def _questions(template: str) -> set[str]:
    config = yaml.safe_load((installed_templates() / template / "copier.yml").read_text(encoding="utf-8"))
    return {key for key in config if not key.startswith("_")}


@pytest.mark.parametrize("template", sorted(KINDS))
def test_every_question_of_every_template_has_a_kind(template: str) -> None:
    assert set(KINDS[template]) == _questions(template)


def test_every_template_is_covered() -> None:
    assert set(KINDS) == {p.name for p in installed_templates().iterdir() if (p / "copier.yml").is_file()}


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(("template", "question"), [(t, q) for t in sorted(KINDS) for q in sorted(KINDS[t])])
def test_a_hostile_answer_is_refused_for_its_kind(template: str, question: str, value: str) -> None:
    with pytest.raises(InvalidNameError, match=f"--data {question}="):
        check_answers({question: value}, template)


def test_an_answer_to_no_question_is_refused() -> None:
    with pytest.raises(InvalidNameError, match="the answer to a question here"):
        check_answers({"tenant": "acme"}, "workspace", "customer")


def test_the_injection_from_the_issue_is_refused_and_nothing_is_written(
    tmp_path: Path, exchange: Callable[..., Result]
) -> None:
    assert exchange("new", "customer", "acme", "--path", str(tmp_path)).exit_code == 0
    before = sorted(p for p in tmp_path.rglob("*") if ".git" not in p.parts)

    result = exchange(
        "new", "processor", "orders", "-c", "acme", "--path", str(tmp_path), "--data", f"canonical_type={INJECTION}"
    )

    assert result.exit_code == 2
    assert f"--data canonical_type={INJECTION!r} is refused" in result.output
    assert "Traceback" not in result.output
    assert sorted(p for p in tmp_path.rglob("*") if ".git" not in p.parts) == before


def test_a_tenant_id_cannot_add_keys_to_local_settings(tmp_path: Path, exchange: Callable[..., Result]) -> None:
    result = exchange("new", "customer", "acme", "--path", str(tmp_path), "--data", 'tenant_id=acme", "EVIL": "1')

    assert result.exit_code == 2
    assert "--data tenant_id=" in result.output
    assert not (tmp_path / "deployments").exists()


def test_short_d_in_new_points_to_data(tmp_path: Path, exchange: Callable[..., Result]) -> None:
    result = exchange("new", "customer", "acme", "--path", str(tmp_path), "-d", "tenant_id=acme-prod")

    assert result.exit_code == 2
    assert "-d means --deployment in exchange's other commands; answer a template question with --data" in (
        result.output
    )
    assert not (tmp_path / "deployments").exists()


# -- the second wall: with the validators taken out, the templates still escape every free-text answer ----------


def _unvalidated_templates(into: Path) -> Path:
    """A copy of the installed templates whose copier.yml has no validators (the escaping alone must hold)."""
    shutil.copytree(installed_templates(), into)
    for config_file in into.glob("*/copier.yml"):
        config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        for question in config.values():
            if isinstance(question, dict):
                question.pop("validator", None)
        config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    return into


def _render(templates: Path, template: str, into: Path, data: dict[str, Any]) -> None:
    import copier

    copier.run_copy(str(templates / template), into, data=data, defaults=True, quiet=True, unsafe=False)


def _parse_all(root: Path) -> dict[str, Any]:
    """Parse every generated file for its kind; returns the parsed JSON/TOML documents by relative path."""
    parsed: dict[str, Any] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root).as_posix()
        if path.suffix == ".py":
            ast.parse(text, filename=rel)
        elif path.suffix == ".json":
            parsed[rel] = json.loads(text)
        elif path.suffix == ".toml":
            parsed[rel] = tomllib.loads(text)
        elif path.suffix in {".yml", ".yaml"}:
            parsed[rel] = yaml.safe_load(text)
    return parsed


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


@pytest.mark.parametrize("value", HOSTILE)
def test_customer_and_workspace_escape_every_free_text_answer(tmp_path: Path, value: str) -> None:
    templates = _unvalidated_templates(tmp_path / "templates")
    out = tmp_path / "out"
    _render(templates, "workspace", out, {"project_name": value, "exchange_version": value})
    _render(templates, "customer", out, {"customer": "acme", "tenant_id": value, "visibility_timeout": value})

    parsed = _parse_all(out)

    assert parsed["pyproject.toml"]["project"]["name"] == value
    assert parsed["pyproject.toml"]["project"]["dependencies"] == [f"exchange>={value}"]
    settings = parsed["deployments/acme/azure/local.settings.json"]["Values"]
    assert settings["TENANT_ID"] == value
    assert "EVIL" not in settings
    assert parsed["deployments/acme/azure/host.json"]["extensions"]["queues"]["visibilityTimeout"] == value


@pytest.mark.parametrize("trigger", ["queue", "timer", "http"])
@pytest.mark.parametrize("value", HOSTILE)
def test_processor_and_wiring_escape_every_free_text_answer(tmp_path: Path, value: str, trigger: str) -> None:
    templates = _unvalidated_templates(tmp_path / "templates")
    out = tmp_path / "out"
    free = {"tenant_id": value, "input_queue": value, "output_queue": value, "schedule": value, "route": value}
    _render(templates, "wiring", out, {"customer": "acme", "processor": "orders", "trigger": trigger, **free})
    _render(templates, "processor", out, {"name": "orders", "trigger": trigger, "canonical_type": value})

    _parse_all(out)

    assert value in _string_constants(out / "deployments/acme/azure/functions/orders.py")
    # Importing the generated config runs its module code: the injection must not run, the value must be data.
    env = {**os.environ, "PYTHONPATH": str(out)}
    code = "from processors.orders.config import OrdersConfig; print(OrdersConfig(tenant_id='t').canonical_type)"
    shown = subprocess.run([sys.executable, "-c", code], cwd=out, env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.rstrip("\n") == value
    assert not (out / "PWNED").exists()
