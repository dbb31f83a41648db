"""The fork server: warm workers forked in milliseconds, seen by the supervisor like any child process."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.dev import forked
from emulator.dev.protocol import Drained, Ready
from emulator.dev.workers import WorkerProcess

pytestmark = [
    pytest.mark.skipif(not forked.available(), reason="needs fork and pidfds (Linux)"),
    pytest.mark.subprocess,
]


@pytest.fixture
def server() -> Iterator[forked.ForkServer]:
    fork_server = forked.ForkServer(None, None)
    try:
        yield fork_server
    finally:
        fork_server.close()


def spawn(server: forked.ForkServer) -> WorkerProcess:
    worker = server.spawn(0, threading.Event())
    assert worker is not None
    return worker


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def test_a_forked_worker_is_warm_and_obeys_the_control_protocol(server: forked.ForkServer) -> None:
    worker = spawn(server)

    assert worker.control.wait(Ready, timeout=30) is not None
    assert worker.popen.poll() is None
    assert parent_of(worker.pid) != parent_of(parent_of(worker.pid))  # a child of the fork server, not of ours
    worker.begin_drain(5.0)
    assert worker.control.wait(Drained, timeout=10) is not None
    assert worker.popen.wait(10) == 0


def test_a_killed_worker_reports_the_signal_as_subprocess_does(server: forked.ForkServer) -> None:
    worker = spawn(server)
    assert worker.control.wait(Ready, timeout=30) is not None

    worker.popen.kill()

    assert worker.popen.wait(10) == -signal.SIGKILL
    assert worker.popen.poll() == -signal.SIGKILL
    with pytest.raises(ProcessLookupError):
        worker.popen.send_signal(signal.SIGTERM)


def test_wait_past_its_bound_raises_timeout_expired(server: forked.ForkServer) -> None:
    worker = spawn(server)

    with pytest.raises(subprocess.TimeoutExpired):
        worker.popen.wait(0.2)
    worker.popen.kill()
    worker.popen.wait(10)


def test_a_fork_server_that_died_is_started_again_for_the_next_worker(server: forked.ForkServer) -> None:
    first = spawn(server)
    assert first.control.wait(Ready, timeout=30) is not None
    fork_server_pid = parent_of(first.pid)
    first.popen.kill()
    first.popen.wait(10)

    subprocess.run(["kill", "-9", str(fork_server_pid)], check=True)
    second = spawn(server)

    assert second.control.wait(Ready, timeout=60) is not None
    assert parent_of(second.pid) != fork_server_pid
    second.popen.kill()
    assert second.popen.wait(10) == -signal.SIGKILL
