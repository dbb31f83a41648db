"""`exchange demo` as a new user runs it: a real subprocess, real Azurite, real HTTP, real SQLite and files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from emulator.azurite import free_port
from emulator.client.queues import peek
from emulator.dev import state as devstate
from exchange_cli.demo.workspace import prepare
from exchange_cli.main import cli
from tests.cli.dev_support import ExchangeProcess, wait_for

pytestmark = pytest.mark.subprocess

SAMPLE_ORDER_IDS = {"1", "2", "3", "5"}  # order 4 has no drink_type
PROCESSORS = ("barista", "coffee_order", "daily_special", "orders")


class DemoProcess(ExchangeProcess):
    """``exchange demo FOLDER --port P --storage S``."""

    def __init__(self, folder: Path, storage: str) -> None:
        self.folder = folder
        self.port = free_port()
        args = ["demo", str(folder), "--port", str(self.port), "--storage", storage]
        super().__init__(folder.parent / "demo.log", *args)

    @property
    def deployment(self) -> Path:
        return self.folder / "deployments" / "coffee-shop" / "azure"


@pytest.fixture
def demo(tmp_path: Path, storage_connection_string: str) -> Iterator[DemoProcess]:
    proc = DemoProcess(tmp_path / "exchange-demo", storage_connection_string)
    try:
        yield proc
    finally:
        proc.close()


def cli_output(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def journaled_messages(deployment: Path) -> list[dict[str, Any]]:
    lines = cli_output("messages", "--json", "-n", "500", "-d", str(deployment)).splitlines()
    return [json.loads(line) for line in lines]


def stored_orders(deployment: Path) -> set[str]:
    if not (deployment.parent / ".exchange" / "coffee-shop.sqlite").exists():
        return set()
    entities = json.loads(cli_output("entities", "--json", "--type", "order", "-d", str(deployment)))
    return {e["external_id"] for e in entities}


def test_demo_runs_the_coffee_pipeline_with_sample_orders_and_stops_on_ctrl_c(
    demo: DemoProcess, storage_connection_string: str
) -> None:
    def sample_orders_stored() -> bool:
        return stored_orders(demo.deployment) >= SAMPLE_ORDER_IDS or demo.proc.poll() is not None

    wait_for(sample_orders_stored, 90, "the sample orders to be stored")
    assert stored_orders(demo.deployment) >= SAMPLE_ORDER_IDS, demo.log()
    tickets = wait_for(lambda: list((demo.deployment / ".exchange" / "out" / "tickets").glob("order-*.json")))
    moved = journaled_messages(demo.deployment)
    dead = [m for m in moved if m["kind"] == "message.dead_lettered"]
    letters = [json.loads(m.body) for m in peek(storage_connection_string, "dead-letter")]
    state = devstate.read(demo.deployment)

    assert len(tickets) >= len(SAMPLE_ORDER_IDS)
    assert {"coffee-orders", "barista-queue"} <= {m["queue"] for m in moved if m["kind"] == "message.in"}
    assert [d["data"]["error_message"] for d in dead] == ["Missing drink type"]
    assert any(letter["original"]["payload"].get("customer") == "Ken" for letter in letters)
    assert state is not None and state.http_url == f"http://127.0.0.1:{demo.port}"
    log = demo.log()
    assert "done  order #1 large latte: orders → [coffee-orders] → coffee_order → [barista-queue] → barista" in log
    assert "entity order/1 v1 + ticket file" in log
    assert "DLQ   order #4 (no drink_type, medium): orders → [coffee-orders] → coffee_order → [dead-letter]" in log
    assert "[dead-letter]: Missing drink type" in log

    assert demo.interrupt() == 0, demo.log()
    assert devstate.read(demo.deployment) is None
    assert "stopped" in demo.log()


def test_an_earlier_demo_is_reused_with_the_users_edits(tmp_path: Path) -> None:
    first = prepare(tmp_path / "demo")
    menu = first.root / "processors" / "coffee_order" / "config.py"
    menu.write_text(menu.read_text().replace('"mocha": 4.10,', '"mocha": 4.10,\n    "tea": 3.00,'))

    again = prepare(tmp_path / "demo")

    assert (first.created, again.created) == (True, False)
    assert '"tea": 3.00' in menu.read_text()


def test_demo_refuses_a_folder_that_holds_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")

    result = CliRunner().invoke(cli, ["demo", str(tmp_path)])

    assert result.exit_code == 1
    assert f"{tmp_path} is not empty and is not an earlier demo" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory, template_cache: Path) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXCHANGE_TEMPLATE_CACHE", str(template_cache))
        return prepare(tmp_path_factory.mktemp("demo") / "exchange-demo").root


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False, env={**os.environ, **env}
    )


def test_the_demo_is_a_workspace_generated_by_exchange_new(demo_workspace: Path) -> None:
    app = (demo_workspace / "deployments" / "coffee-shop" / "azure" / "function_app.py").read_text()
    answers = {p.name for p in (demo_workspace / "deployments" / "coffee-shop").glob(".copier-answers*.yml")}

    assert [f"app.register_functions(functions.{name}.bp)" in app for name in PROCESSORS] == [True] * 4
    assert answers == {".copier-answers.yml", *(f".copier-answers.{name}.yml" for name in PROCESSORS)}
    assert all((demo_workspace / "processors" / name / ".copier-answers.yml").is_file() for name in PROCESSORS)


def test_the_demo_code_is_ruff_clean(demo_workspace: Path) -> None:
    lint = run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], demo_workspace)
    fmt = run([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], demo_workspace)

    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_the_demo_tests_pass_under_exchange_test(demo_workspace: Path, storage_connection_string: str) -> None:
    exchange = str(Path(sys.executable).parent / "exchange")

    done = run(
        [exchange, "test", "-q", "-p", "no:cacheprovider"],
        demo_workspace,
        EXCHANGE_TEST_STORAGE=storage_connection_string,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "15 passed" in done.stdout.splitlines()[-1]


def test_following_the_readme_and_adding_tea_keeps_the_demo_tests_green(
    tmp_path: Path, storage_connection_string: str
) -> None:
    root = prepare(tmp_path / "exchange-demo").root
    menu = root / "processors" / "coffee_order" / "config.py"
    menu.write_text(menu.read_text().replace('"mocha": 4.10,', '"mocha": 4.10,\n    "tea": 3.00,'))  # README's step
    exchange = str(Path(sys.executable).parent / "exchange")

    done = run(
        [exchange, "test", "-q", "-p", "no:cacheprovider", "tests/processors/test_coffee_order.py"],
        root,
        EXCHANGE_TEST_STORAGE=storage_connection_string,
    )

    assert done.returncode == 0, done.stdout + done.stderr
