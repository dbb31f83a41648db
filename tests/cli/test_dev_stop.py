"""Ctrl-C stops `exchange dev` promptly whatever its workers are doing, and says what it stopped."""

from __future__ import annotations

from pathlib import Path

from tests.cli.dev_support import DevProcess, make_deployment, wait_for
from tests.faults.support import alive


def test_ctrl_c_during_an_import_that_never_finishes_stops_the_worker_at_once_and_says_so(
    tmp_path: Path, storage_connection_string: str
) -> None:
    deployment = make_deployment(tmp_path / "app", app="stuck_import")
    marker = deployment / "importing.pid"
    dev = DevProcess(deployment, storage_connection_string)
    try:
        pid = int(wait_for(lambda: marker.exists() and marker.read_text(), timeout=60, what="the import to begin"))

        code = dev.interrupt(timeout=10)  # the load timeout is 60 s: waiting for it would fail here
    finally:
        dev.close()

    assert code == 0
    log = dev.log()
    assert "worker 0 (pid " in log and "was still importing the code after" in log, log
    assert "stopped while loading" not in log and "failed to load" not in log
    assert wait_for(lambda: not alive(pid), timeout=5, what="the stuck worker to be gone")


def test_a_killed_supervisor_leaves_no_worker_stuck_in_an_import_behind(
    tmp_path: Path, storage_connection_string: str
) -> None:
    deployment = make_deployment(tmp_path / "app", app="stuck_import")
    marker = deployment / "importing.pid"
    dev = DevProcess(deployment, storage_connection_string, "--drain-timeout", "1")
    try:
        pid = int(wait_for(lambda: marker.exists() and marker.read_text(), timeout=60, what="the import to begin"))

        dev.proc.kill()  # no Ctrl-C, no drain: the supervisor is simply gone
        dev.proc.wait(10)
    finally:
        dev.close()

    assert wait_for(lambda: not alive(pid), timeout=30, what="the orphaned worker to be stopped")
