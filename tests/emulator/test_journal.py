"""The journal: batched writes off the hot path, filters for the CLI and TUI, several writers, retention."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.journal.store import Journal, JournalEntry, JournalError
from emulator.runtime.azure import RuntimeName
from tests.emulator.support import deploy, running, send, wait_for

#: Both engines of the host: the emulator's own worker path, and azure-functions-runtime (Python 3.13+ only).
ENGINES = [
    "emulator",
    pytest.param(
        "azure",
        marks=pytest.mark.skipif(
            sys.version_info < (3, 13) or importlib.util.find_spec("azure_functions_runtime") is None,
            reason="azure-functions-runtime runs on Python 3.13+ only",
        ),
    ),
]


def test_recorded_entries_are_read_back_in_order_with_filters(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.db")
    journal.record("message.in", function="a", queue="orders", message_id="m1", correlation_id="c1", body="x")
    journal.record("invocation.end", function="a", status="ok", correlation_id="c1", duration_ms=3.5)
    journal.record("invocation.end", function="b", status="error", correlation_id="c2")
    journal.close()

    everything = journal.read()
    assert [e.kind for e in everything] == ["message.in", "invocation.end", "invocation.end"]
    assert everything[0].data == {"body": "x"} and everything[1].data == {"duration_ms": 3.5}
    assert [e.function for e in journal.read(correlation_id="c1")] == ["a", "a"]
    assert [e.status for e in journal.read(kinds=["invocation.end"], function="b")] == ["error"]
    assert [e.kind for e in journal.read(queue="orders")] == ["message.in"]
    assert [e.function for e in journal.read(status="error")] == ["b"]
    assert journal.last_id() == everything[-1].id
    assert journal.read(since_id=journal.last_id()) == []


def test_a_journal_that_cannot_be_opened_names_its_file_and_what_to_do(tmp_path: Path) -> None:
    in_the_way = tmp_path / ".exchange"
    in_the_way.write_text("a file where the journal's folder should be")
    with pytest.raises(JournalError) as info:
        Journal(in_the_way / "journal.db")
    assert info.value.message.startswith(f"cannot open the journal {in_the_way / 'journal.db'}: ")
    assert info.value.hint and "writable" in info.value.hint

    damaged = tmp_path / "journal.db"
    damaged.write_bytes(b"not a journal at all " * 200)
    with pytest.raises(JournalError, match=r"cannot open the journal .*journal\.db: file is not a database"):
        Journal(damaged)


def test_entries_round_trip_through_their_json_form(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.db")
    journal.record("message.poison", function="f", queue="q", status="poison", reason="not valid base64")
    journal.close()
    [entry] = journal.read()
    assert JournalEntry.from_dict(entry.to_dict()) == entry


def test_writes_are_buffered_and_flushed_by_the_writer_thread(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.db")
    journal.record("host.start")
    wait_for(lambda: journal.read(), timeout=5, what="the writer thread's flush")
    journal.close()


def test_retention_keeps_the_newest_entries(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.db", keep_entries=10)
    for i in range(25):
        journal.record("message.out", n=i)
    journal.flush()
    journal.prune()
    journal.close()
    assert [e.data["n"] for e in journal.read()] == list(range(15, 25))


@pytest.mark.subprocess
def test_several_processes_write_one_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    Journal(path)
    script = (
        "import sys; from emulator.journal.store import Journal\n"
        "j = Journal(sys.argv[1])\n"
        "for i in range(2000): j.record('message.out', n=i)\n"
        "j.close()\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path)]) for _ in range(3)]
    assert [p.wait(60) for p in procs] == [0, 0, 0]
    entries = Journal(path).read(limit=10_000)
    assert len(entries) == 6000
    assert len({e.pid for e in entries}) == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_framework_events_are_tied_to_the_invocation_that_emitted_them(
    engine: RuntimeName, tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    app = deploy("events", tmp_path / "app", values={"Q": queue_name})
    with running(app, storage_connection_string, engine=engine) as host:
        send(storage_connection_string, f"{queue_name}-sync", '{"correlation_id": "corr-1"}')
        send(storage_connection_string, f"{queue_name}-async", "{}")
        events = wait_for(
            lambda: len(e := host.entries(kinds=["operation.start", "entity.persisted"])) == 2 and e,
            what="both framework events",
        )
        starts = {e.function: e for e in host.entries(kinds=["invocation.start"])}

    by_function = {e.function: e for e in events}
    assert by_function["emits_sync"].invocation_id == starts["emits_sync"].invocation_id
    assert by_function["emits_sync"].correlation_id == "corr-1"  # carried in the message body
    assert by_function["emits_async"].invocation_id == starts["emits_async"].invocation_id
    assert by_function["emits_async"].data == {"entity": "order"}


@pytest.mark.parametrize("engine", ENGINES)
def test_what_a_sync_processor_did_is_journaled_in_its_invocation_under_either_engine(
    engine: RuntimeName, tmp_path: Path, storage_connection_string: str, queue_name: str, database_url: str
) -> None:
    """azure-functions-runtime calls a sync function in its own thread pool, where none of the host's context
    variables arrive (as on Azure): the framework's events, its sends and the function's logs are still the host's,
    journaled in the invocation the host started, whose id is the function's ``context.invocation_id``."""
    values = {"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out"}
    app = deploy("processor", tmp_path / "app", values=values)
    with running(app, storage_connection_string, engine=engine, database_url=database_url) as host:
        send(storage_connection_string, queue_name, '{"id": "A-1", "total": 5}')
        ended = wait_for(lambda: host.entries(kinds=["invocation.end"]), what="the invocation")
        entries = host.entries()

    [start] = [e for e in entries if e.kind == "invocation.start"]
    mine = [e for e in entries if e.invocation_id == start.invocation_id]
    assert ended[0].status == "ok", ended[0].data
    assert {e.kind for e in mine} == {
        "invocation.start",
        "log",
        "operation.start",
        "entity.persisted",
        "state.transition",
        "output.routed",
        "message.out",
        "message.completed",
        "operation.end",
        "invocation.end",
    }
    assert {e.function for e in mine} == {"orders"}
    [log] = [e for e in mine if e.kind == "log" and e.data["logger"] == "root"]  # alembic's logs are there too
    assert log.data["message"] == f"invocation {start.invocation_id}"  # the host's id is the function's
    [routed] = [e for e in mine if e.kind == "output.routed"]
    [sent] = [e for e in mine if e.kind == "message.out"]
    # the message's own correlation id: a bare payload gets a new one on Azure (no host puts one in force there)
    assert (sent.queue, sent.correlation_id) == (f"{queue_name}-out", routed.correlation_id)
    assert routed.correlation_id is not None


def test_entries_survive_a_locked_journal_and_are_written_once_it_frees(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "journal.db"
    journal = Journal(path, busy_timeout=0.2)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holding the write lock past the busy timeout
    try:
        journal.record("message.in", n=1)
        try:
            journal.flush()
        except sqlite3.OperationalError:
            pass
        else:
            raise AssertionError("the flush should have failed while the journal was locked")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    journal.record("message.in", n=2)
    journal.close()
    assert [e.data["n"] for e in journal.read()] == [1, 2]


def test_a_new_journal_waits_for_another_process_creating_it_instead_of_failing_at_once(tmp_path: Path) -> None:
    import sqlite3
    import time

    path = tmp_path / "journal.db"
    # another worker half-way through creating the same journal: it holds the lock of the still rollback-mode file
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    try:
        Journal(path, busy_timeout=0.5)
    except JournalError as exc:  # given up at the timeout, naming the file
        waited = time.monotonic() - started
        assert "locked" in str(exc) and str(path) in exc.message
    else:
        raise AssertionError("the journal was created while another connection held the file's lock")
    finally:
        other.execute("ROLLBACK")
    # the switch to WAL ignores SQLite's busy handler: without retrying, this failed after 0.0005 s
    assert waited >= 0.5
    other.close()
    Journal(path).record("host.start")  # and once the other lets go, it is created
