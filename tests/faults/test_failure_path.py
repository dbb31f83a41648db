"""One failure path, under a real host on Azurite: retries ride the queue spaced as the policy says with no
function running in between; given-up messages land in one view with their reason and replay back; failures are
journaled as failures."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import azure.functions as func
import pytest

from emulator.client import dead_letters
from emulator.client.queues import send
from emulator.journal.store import JournalEntry
from emulator.testing.environment import SettingsConflictError
from emulator.testing.host import RunningHost, running, wait_for
from tests.cli.dev_support import make_deployment

APPS = Path(__file__).parent / "apps"


@pytest.fixture
def app(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    prefix = f"r{uuid.uuid4().hex[:10]}"
    values = {"Q_IN": f"{prefix}-in", "DEAD_LETTER_QUEUE": f"dead-letter-{prefix}", "TENANT_ID": prefix}
    path = make_deployment(tmp_path / "app", app="retrying", values=values, apps=APPS)
    host = {"version": "2.0", "extensions": {"queues": {"maxDequeueCount": 2, "visibilityTimeout": "00:00:01"}}}
    (path / "host.json").write_text(json.dumps(host))
    return path, values


def ends(run: RunningHost, message_id: str | None = None) -> list[JournalEntry]:
    return [e for e in run.entries(kinds=["invocation.end"]) if e.function == "orders"]


def test_retries_arrive_spaced_by_the_policy_with_no_invocation_running_in_between(
    app: tuple[Path, dict[str, str]], storage_connection_string: str, tmp_path: Path
) -> None:
    path, values = app
    with running(path, storage_connection_string, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}") as run:
        send(storage_connection_string, values["Q_IN"], [json.dumps({"id": "o-1", "fail": 2})])
        invocations = wait_for(lambda: [e for e in ends(run) if e.status == "ok"] and ends(run), 30, "3rd attempt")
        starts = [e for e in run.entries(kinds=["invocation.start"]) if e.function == "orders"]
        retries = run.entries(kinds=["processing.retry"])
        delayed = [e for e in run.entries(kinds=["message.out"]) if e.data.get("delay_s")]

    assert [e.status for e in invocations] == ["failed", "failed", "ok"]
    assert "retry 1 scheduled on" in str(invocations[0].data["error"])
    assert [e.data["delay_s"] for e in retries] == [1, 2] and [e.data["delay_s"] for e in delayed] == [1, 2]
    # from each retry's send to the next delivery: the delay (plus at most a local polling interval)
    waits = [(start.at - sent.at).total_seconds() for sent, start in zip(delayed, starts[1:], strict=True)]
    assert 1.0 <= waits[0] < 1.9 and 2.0 <= waits[1] < 2.9, waits
    # and in between no invocation ran: each one had ended before the delay began
    idle = [(start.at - end.at).total_seconds() for end, start in zip(invocations, starts[1:], strict=False)]
    assert idle[0] >= 0.9 and idle[1] >= 1.9, idle


def test_given_up_messages_show_in_one_view_with_their_reason_and_replay_back(
    app: tuple[Path, dict[str, str]], storage_connection_string: str, tmp_path: Path
) -> None:
    path, values = app
    storage = storage_connection_string
    journal = path / ".exchange" / "journal.db"
    with running(path, storage, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}") as run:
        send(storage, values["Q_IN"], [json.dumps({"id": "o-4", "bad": True}), json.dumps({"id": "o-5", "crash": 1})])

        def both() -> list[dead_letters.DeadLetter]:
            run.host.journal.flush()  # type: ignore[union-attr]
            found = dead_letters.list_dead_letters(storage, journal=journal)
            mine = [d for d in found if d.source_queue == values["Q_IN"]]
            return mine if len(mine) == 2 and all(d.failure for d in mine) else []

        letters = {d.kind: d for d in wait_for(both, 30, "a dead letter and a poison message")}
        dead, poison = letters["dead-letter"], letters["poison"]
        assert dead.reason == "MISSING_DRINK: Missing drink type" and dead.failure["attempts"] == 1
        assert dead.failure["processor"] == "orders" and dead.queue == values["DEAD_LETTER_QUEUE"]
        assert json.loads(dead.original)["payload"] == {"id": "o-4", "bad": True}
        assert "failed 2 times" in poison.reason and "the function itself is broken" in poison.reason
        assert json.loads(poison.original) == {"id": "o-5", "crash": 1}
        statuses = {e.message_id: e.status for e in ends(run)}
        assert "failed" in statuses.values() and "error" in statuses.values()

        replayed = dead_letters.replay(storage, dead.id)
        assert replayed.source_queue == values["Q_IN"]

        def dead_again() -> list[dead_letters.DeadLetter]:
            found = dead_letters.list_dead_letters(storage, journal=journal)
            return [
                d for d in found if d.kind == "dead-letter" and d.id != dead.id and d.source_queue == values["Q_IN"]
            ]

        [again] = wait_for(dead_again, 30, "the replayed message to fail again")
        assert json.loads(again.original)["message_id"] == json.loads(dead.original)["message_id"]
        assert again.failure["attempts"] == 1  # the attempt count was reset
    dead_letters.delete(storage, again.id)
    dead_letters.delete(storage, poison.id)
    assert [d for d in dead_letters.list_dead_letters(storage) if d.source_queue == values["Q_IN"]] == []


def test_an_http_4xx_returned_by_the_function_is_journaled_as_a_failure(
    app: tuple[Path, dict[str, str]], storage_connection_string: str
) -> None:
    path, _ = app
    with running(path, storage_connection_string) as run:
        assert run.host is not None and run._loop is not None
        fn = run.host.function("reject")
        assert fn is not None
        req = func.HttpRequest("POST", "http://localhost/api/reject", body=b"{}")
        future = asyncio.run_coroutine_threadsafe(run.host.invoker.invoke(fn, req), run._loop)
        assert future.result(10).ok  # the function ran fine: the host answers 400 as it said
        [end] = wait_for(lambda: [e for e in run.entries(kinds=["invocation.end"]) if e.function == "reject"], 10)
    assert end.status == "failed" and end.data["error"].startswith("HTTP 400")


def test_processor_outputs_go_through_the_host_encoded_as_host_json_says_and_journaled(
    storage_connection_string: str, tmp_path: Path
) -> None:
    from tests.faults.support import make_pipeline

    pipeline = make_pipeline(tmp_path / "pipeline", host={"extensions": {"queues": {"messageEncoding": "none"}}})
    storage = storage_connection_string
    with running(pipeline.path, storage, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}") as run:
        send(storage, pipeline.queues[0], [json.dumps({"id": "e-1", "kind": "ok"})], "none")

        def stored() -> list[JournalEntry]:
            return [
                e for e in run.entries(kinds=["invocation.end"]) if e.function == "stage_store" and e.status == "ok"
            ]

        wait_for(stored, 30, "the order to pass all three stages")  # each stage read its input as plain text
        outs = [e for e in run.entries(kinds=["message.out"]) if e.queue in pipeline.queues[1:]]
    assert [e.queue for e in outs] == list(pipeline.queues[1:])  # the framework's sends, journaled by the host
    assert all(e.invocation_id and e.function for e in outs)
    assert json.loads(str(outs[0].data["body"]))["payload"]["id"] == "e-1"


def test_two_hosts_in_one_process_see_only_their_own_framework_events(
    storage_connection_string: str, tmp_path: Path
) -> None:
    storage = storage_connection_string
    prefix = f"two{uuid.uuid4().hex[:8]}"
    values = {"Q_IN": f"{prefix}-in", "DEAD_LETTER_QUEUE": f"dead-letter-{prefix}", "TENANT_ID": prefix}
    one_dir, two_dir = (make_deployment(tmp_path / name, app="retrying", values=values, apps=APPS) for name in "ab")
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    sent = {f"h-{n}" for n in range(6)}
    with running(one_dir, storage, database_url=db) as one, running(two_dir, storage, database_url=db) as two:
        send(storage, values["Q_IN"], [json.dumps({"id": i}) for i in sorted(sent)])  # the two compete for them

        def persisted() -> list[list[str]]:
            return [[str(e.data["external_id"]) for e in r.entries(kinds=["entity.persisted"])] for r in (one, two)]

        wait_for(lambda: sum(map(len, persisted())) >= len(sent), 30, "every message persisted by one of the hosts")
        seen = persisted()
        assert one.host is not None and two.host is not None
        metrics = [r.host.runtime.metrics.snapshot().get("processor.orders", {}).get("count", 0) for r in (one, two)]
    assert set(seen[0]) | set(seen[1]) == sent and not set(seen[0]) & set(seen[1])  # no event crossed over
    assert metrics == [len(seen[0]), len(seen[1])] and one.host.runtime is not two.host.runtime


def test_a_second_host_that_needs_other_values_of_the_same_settings_is_refused(
    storage_connection_string: str, tmp_path: Path
) -> None:
    storage = storage_connection_string
    hosts = []
    for name in ("one", "two"):
        prefix = f"{name}{uuid.uuid4().hex[:8]}"
        values = {"Q_IN": f"{prefix}-in", "DEAD_LETTER_QUEUE": f"dead-letter-{prefix}", "TENANT_ID": prefix}
        hosts.append(make_deployment(tmp_path / name, app="retrying", values=values, apps=APPS))
    with running(hosts[0], storage):
        with pytest.raises(SettingsConflictError, match="DEAD_LETTER_QUEUE, Q_IN, TENANT_ID") as refused:
            RunningHost(hosts[1], storage).start()
        assert str(hosts[0]) in refused.value.message
    with running(hosts[1], storage) as two:  # once the first has stopped, the second may run
        assert two.host is not None
