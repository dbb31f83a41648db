"""The fast lane's guard (tests/conftest.py): a unit test that starts a process fails, however it starts it.

One fresh pytest, with this suite's conftest, runs a small test file holding each way of starting a process twice:
unmarked (the unit lane: the test must fail, naming what it started) and marked ``subprocess`` (it must pass).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

#: Body of a test that starts a process one way, and how the guard names what it started.
CASES = {
    "fork": (
        "pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n    os.waitpid(pid, 0)",
        "os.fork",
    ),
    "system": ("assert os.system('true') == 0", "os.system('true')"),
    "popen": ("subprocess.run([sys.executable, '-c', 'pass'], check=True)", Path(sys.executable).name),
    "spawn": (
        "process = multiprocessing.get_context('spawn').Process(target=print)\n    process.start()\n"
        "    process.join(timeout=60)\n    assert process.exitcode == 0",
        "1 multiprocessing process(es)",
    ),
}
HEADER = "import multiprocessing, os, subprocess, sys\n\nimport pytest\n"


def test_a_unit_test_that_starts_a_process_fails_and_passes_once_marked(tmp_path: Path) -> None:
    shutil.copy(Path(__file__).parent / "conftest.py", tmp_path / "conftest.py")
    tests = [f"\ndef test_{name}():\n    {body}\n" for name, (body, _) in CASES.items()]
    tests += [
        f"\n@pytest.mark.subprocess\ndef test_{name}_marked():\n    {body}\n" for name, (body, _) in CASES.items()
    ]
    (tmp_path / "test_case.py").write_text(HEADER + "".join(tests))

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-rE", "-m", "unit or subprocess"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    report = done.stdout + done.stderr
    assert done.returncode == 1, report
    errors = sorted(line.split()[1] for line in done.stdout.splitlines() if line.startswith("ERROR "))
    assert errors == sorted(f"test_case.py::test_{name}" for name in CASES), report
    for name, (_, started) in CASES.items():
        said = f"test_case.py::test_{name} is in the unit lane but started {started}: add `pytestmark"
        assert said in report, report
        assert f"test_case.py::test_{name}_marked is in" not in report
