"""The generated workspace itself: ruff-clean, its own tests pass under `exchange test`, it packages for Azure."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from exchange_cli.scaffold import new_customer, new_processor

pytestmark = pytest.mark.subprocess

EXCHANGE = str(Path(sys.executable).parent / "exchange")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, template_cache: Path) -> Iterator[Path]:
    """Two customers; acme chains http intake -> orders queue, plus a timer poller; globex reuses orders."""
    root = tmp_path_factory.mktemp("generated")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXCHANGE_TEMPLATE_CACHE", str(template_cache))
        new_customer(root, "acme")
        new_processor(root, "orders", customer="acme", trigger="queue")
        new_processor(root, "poller", customer="acme", trigger="timer", output_queue="acme-orders-in")
        new_processor(root, "intake", customer="acme", trigger="http", output_queue="acme-orders-in")
        new_customer(root, "globex")
        new_processor(root, "orders", customer="globex", trigger="queue")
    yield root


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False, env={**os.environ, **env}
    )


def test_generated_code_is_ruff_clean(generated: Path) -> None:
    lint = run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], generated)
    fmt = run([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], generated)

    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_generated_tests_pass_under_exchange_test(generated: Path) -> None:
    done = run([EXCHANGE, "test", "-q", "-p", "no:cacheprovider"], generated)

    assert done.returncode == 0, done.stdout + done.stderr
    # 4 tests per queue/http processor, 3 per timer processor, 1 per deployment
    assert "13 passed" in done.stdout.splitlines()[-1]


def test_exchange_test_passes_arguments_through_and_keeps_the_exit_code(generated: Path) -> None:
    nothing = run([EXCHANGE, "test", "-q", "-p", "no:cacheprovider", "-k", "no_such_test"], generated)
    failing = generated / "tests" / "test_failing.py"
    failing.write_text("def test_fails() -> None:\n    assert 1 == 2\n")
    try:
        failed = run([EXCHANGE, "test", "-q", "-p", "no:cacheprovider", str(failing)], generated)
    finally:
        failing.unlink()

    assert nothing.returncode == 5, nothing.stdout  # pytest: no tests collected
    assert "13 deselected" in nothing.stdout
    assert failed.returncode == 1
    assert "1 failed" in failed.stdout


def test_exchange_test_outside_a_workspace_says_where_to_go(tmp_path: Path) -> None:
    done = run([EXCHANGE, "test"], tmp_path)

    assert done.returncode == 1
    assert done.stderr == (
        f"Error: No exchange workspace at or above {tmp_path} (a pyproject.toml with [tool.exchange]).\n"
        "Hint: run `exchange new customer NAME` in an empty folder to create one, or cd into your workspace\n"
    )


def test_a_packaged_deployment_carries_its_processors_and_the_framework(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "acme"
    package = run([EXCHANGE, "package", "acme", "--out", str(out)], generated)
    assert package.returncode == 0, package.stderr

    # Isolated (-I): no PYTHONPATH, no workspace on the path; the package folder comes first, as in Azure.
    probe = (
        "import os, sys; sys.path.insert(0, '.'); import function_app, framework, processors; "
        "print(sorted(f.get_function_name() for f in function_app.app.get_functions())); "
        "print(all(m.__file__.startswith(os.getcwd()) for m in (framework, processors)))"
    )
    done = run([sys.executable, "-I", "-c", probe], out)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['intake', 'orders', 'poller']", "True"]
    assert not (out / "local.settings.json").exists()
    assert (out / "processors" / "orders" / "processor.py").is_file()
    assert not (out / "processors" / "orders" / ".copier-answers.yml").exists()
