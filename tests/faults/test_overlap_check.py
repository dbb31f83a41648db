"""The fault tests' account of invocations: when a killed worker's invocation ended, and what counts as overlap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from emulator.journal.store import JournalEntry
from tests.faults.support import Run, app_runs, overlaps, spans

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
KILLED, OTHER = 101, 202


def at(ms: float) -> datetime:
    return T0 + timedelta(milliseconds=ms)


def start(invocation: str, pid: int, ms: float) -> JournalEntry:
    return JournalEntry("invocation.start", invocation_id=invocation, message_id="m1", pid=pid, at=at(ms))


def end(invocation: str, pid: int, ms: float) -> JournalEntry:
    return JournalEntry("invocation.end", invocation_id=invocation, message_id="m1", pid=pid, at=at(ms))


def run(pid: int, began: float, ended: float | None) -> Run:
    return Run(pid, at(began), None if ended is None else at(ended))


def test_a_killed_workers_lost_end_is_taken_from_the_apps_record_not_the_kill() -> None:
    # the worker ran the message (failed, made it visible again); its end was still buffered when it was killed
    # 40 ms after the other worker had taken the message up: no overlap
    journal = [start("a", KILLED, 0), start("b", OTHER, 60), end("b", OTHER, 90)]
    runs = {"a": run(KILLED, 1, 20), "b": run(OTHER, 61, 89)}

    found = spans(journal, {KILLED: at(100)}, runs)

    assert [(s.invocation_id, s.end, s.ended_by) for s in found] == [("a", at(20), "app"), ("b", at(90), "journal")]
    assert overlaps(found) == []


def test_an_invocation_still_running_when_its_worker_was_killed_clashes_with_one_that_started_before_the_kill() -> None:
    journal = [start("a", KILLED, 0), start("b", OTHER, 60), end("b", OTHER, 90)]
    runs = {"a": run(KILLED, 1, None), "b": run(OTHER, 61, 89)}

    found = spans(journal, {KILLED: at(100)}, runs)

    assert [(before.invocation_id, after.invocation_id) for before, after in overlaps(found)] == [("a", "b")]
    assert found[0].ended_by == "kill"


def test_an_invocation_without_an_end_in_a_worker_that_was_not_killed_clashes_with_the_next() -> None:
    journal = [start("a", OTHER, 0), start("b", OTHER, 500), end("b", OTHER, 600)]
    runs = {"a": run(OTHER, 1, 20), "b": run(OTHER, 501, 599)}  # the journal lost an end by itself

    found = spans(journal, {}, runs)

    assert found[0].ended_by == "unknown"
    assert len(overlaps(found)) == 1


def test_two_invocations_that_both_ended_overlap_when_the_second_started_before_the_first_ended() -> None:
    journal = [start("a", KILLED, 0), end("a", KILLED, 50), start("b", OTHER, 49), end("b", OTHER, 80)]

    assert len(overlaps(spans(journal, {}, {}))) == 1


def test_the_apps_record_is_read_back_by_invocation(tmp_path: Path) -> None:
    path = tmp_path / "runs.log"
    t = T0.timestamp()
    path.write_text(f"start a 101 {t!r}\nstart b 202 {t + 0.5!r}\nend a 101 {t + 0.25!r}\n")

    assert app_runs(path) == {"a": Run(101, T0, T0 + timedelta(seconds=0.25)), "b": Run(202, at(500), None)}
