"""The worker process (``python -m emulator.dev.worker``): ready line, processing, graceful drain, crash recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from emulator.dev.protocol import Error, Event, Ready, Stopped, decode_event
from emulator.journal.store import Journal
from emulator.testing.plugin import QueueMessageSeen
from tests.emulator.support import deploy, send, wait_for

pytestmark = pytest.mark.subprocess

Reader = Callable[..., list[QueueMessageSeen]]
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def worker(app: Path, storage: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    """A worker process for ``app``; killed at the end if the test left it running."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator.dev.worker", str(app), "--storage", storage, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def first_line(proc: subprocess.Popen[str]) -> Event:
    assert proc.stdout is not None
    return decode_event(proc.stdout.readline())


def test_worker_reports_ready_processes_messages_and_drains_on_sigterm(
    tmp_path: Path, storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    app = deploy("metadata", tmp_path / "app", values={"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out"})
    with worker(app, storage_connection_string) as proc:
        assert first_line(proc) == Ready(pid=proc.pid, functions=("report_metadata",))
        send(storage_connection_string, queue_name, '{"n": 1}')
        wait_for(lambda: queue_reader(f"{queue_name}-out"), what="the function's output")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        assert first_line(proc) == Stopped(pid=proc.pid)
        assert proc.stderr is not None
        log = proc.stderr.read()
    assert "1 function in" in log and "msg <- queueTrigger " + queue_name in log
    kinds = [e.kind for e in Journal(app / ".exchange" / "journal.db").read()]
    assert kinds[0] == "host.start" and kinds[-1] == "host.stop"


def test_worker_with_broken_code_says_why_and_exits_3(tmp_path: Path, storage_connection_string: str) -> None:
    app = deploy("metadata", tmp_path / "app")
    (app / "function_app.py").write_text("import azure.functions as func\napp = func.FunctionApp(\n")
    with worker(app, storage_connection_string) as proc:
        error = first_line(proc)
        assert proc.wait(20) == 3
    assert isinstance(error, Error) and error.type == "IndexingError"
    assert f"{app / 'function_app.py'}:2" in error.message
    assert "Traceback" in error.details


def test_a_message_whose_worker_died_is_processed_again_after_its_lease(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    app = deploy("slow", tmp_path / "app", values={"Q": queue_name})
    journal = Journal(app / ".exchange" / "journal.db")
    with worker(app, storage_connection_string, "--lease", "2") as proc:
        first_line(proc)
        send(storage_connection_string, f"{queue_name}-sync", "30")
        wait_for(lambda: journal.read(kinds=["invocation.start"]), what="the first attempt")
        proc.kill()  # a crash: no drain, no settlement
        proc.wait(10)
    (app / "function_app.py").write_text((app / "function_app.py").read_text().replace("float(msg", "0 * float(msg"))
    with worker(app, storage_connection_string, "--lease", "2") as proc:
        first_line(proc)
        ends = wait_for(lambda: journal.read(kinds=["invocation.end"]), what="the second attempt")
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    starts = journal.read(kinds=["invocation.start"])
    assert [s.data["dequeue_count"] for s in starts] == [1, 2]
    assert ends[0].status == "ok" and ends[0].message_id == starts[0].message_id


def test_prints_from_user_code_go_to_stderr_not_the_protocol_channel(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    app = deploy("prints", tmp_path / "app", values={"IN_QUEUE": queue_name})
    journal = Journal(app / ".exchange" / "journal.db")
    with worker(app, storage_connection_string) as proc:
        assert isinstance(first_line(proc), Ready)
        send(storage_connection_string, queue_name, "x")
        wait_for(lambda: journal.read(kinds=["invocation.end"]), what="the invocation")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        assert proc.stdout is not None and proc.stderr is not None
        assert [decode_event(line) for line in proc.stdout.read().splitlines()] == [Stopped(pid=proc.pid)]
        log = proc.stderr.read()
    assert "printed at import" in log and "printed by the function" in log
