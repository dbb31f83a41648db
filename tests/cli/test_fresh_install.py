"""A fresh ``pip install exchange`` (a real install into a new virtual environment, from a built wheel): a new
workspace's tests pass under ``exchange test`` with nothing else installed, and pytest's arguments pass through."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # a real pip install: about a minute with a warm pip cache, more on a busy machine


def run(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    # No PYTHONPATH or VIRTUAL_ENV from this test session: the new environment must stand on its own.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "DATABASE_URL")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def test_exchange_test_works_in_a_fresh_install_with_arguments_passed_through(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    made = run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    assert made.returncode == 0, made.stderr
    # A copy of the sources, so the build never writes into the checkout; pip's cache is reused (no --no-cache).
    source = tmp_path / "src"
    archive = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True).stdout
    for name in filter(None, archive.decode().split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    installed = run([str(venv / "bin" / "pip"), "install", "-q", str(source)], tmp_path)
    assert installed.returncode == 0, installed.stderr[-3000:]
    exchange = str(venv / "bin" / "exchange")

    workspace = tmp_path / "ws"
    workspace.mkdir()
    for args in (
        ["new", "customer", "acme"],
        ["new", "processor", "orders", "--customer", "acme", "--trigger", "queue"],
    ):
        done = run([exchange, *args], workspace)
        assert done.returncode == 0, done.stdout + done.stderr

    report = tmp_path / "junit.xml"
    passed = run([exchange, "test", f"--junitxml={report}", "-x", "-q", "-p", "no:cacheprovider"], workspace)
    selected = run([exchange, "test", "-k", "no_such_test", "-q", "-p", "no:cacheprovider"], workspace)

    assert passed.returncode == 0, passed.stdout + passed.stderr
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and int(suite.get("tests", "0")) >= 5 and suite.get("failures") == "0"
    assert selected.returncode == 5, selected.stdout  # pytest's "no tests collected": -k reached pytest
