"""``exchange dead-letters``: list, show, replay (attempt count reset) and delete, through the real CLI and Azurite."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from click.testing import CliRunner

from emulator.client.queues import peek, send
from exchange_cli.main import cli
from framework import Message
from framework.classify import ErrorCategory
from framework.deadletter import send_dead_letter
from framework.failure import Failure


def run(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def test_dead_letters_are_listed_shown_replayed_with_the_attempt_count_reset_and_deleted(
    storage_env: str, tmp_path: Path
) -> None:
    storage = storage_env
    tag = uuid.uuid4().hex[:8]
    source, letters = f"orders-{tag}", f"dead-letter-{tag}"
    message = Message(payload={"id": 4, "size": "medium"}, retry_count=2, tenant_id="coffee-shop")
    failure = Failure("ProcessingFailure", "Missing drink type", ErrorCategory.RESULT, False, 3, "coffee_order")
    failure.error_code, failure.source_queue = "MISSING_DRINK", source
    send_dead_letter(message, failure, letters, storage)
    send(storage, f"{source}-poison", [json.dumps({"id": 9})])
    where = ["--storage", storage, "-d", str(tmp_path)]

    listed = [d for d in json.loads(run("dead-letters", "list", "--json", *where)) if d["source_queue"] == source]
    by_kind = {d["kind"]: d for d in listed}
    assert set(by_kind) == {"dead-letter", "poison"}
    dead = by_kind["dead-letter"]
    assert dead["reason"] == "MISSING_DRINK: Missing drink type" and dead["message_id"] == message.message_id
    assert dead["failure"]["attempts"] == 3 and dead["failure"]["processor"] == "coffee_order"
    text = run("dead-letters", "list", *where)
    assert f"from {source}" in text and "3 attempt(s)  MISSING_DRINK: Missing drink type" in text
    shown = run("dead-letters", "show", message.message_id, *where)
    assert "reason: MISSING_DRINK: Missing drink type" in shown and '"size": "medium"' in shown

    assert f"to {source}" in run("dead-letters", "replay", dead["id"], *where)
    [back] = peek(storage, source)
    replayed = Message.create_from_queue_data(back.body)
    assert (replayed.message_id, replayed.retry_count, replayed.payload) == (message.message_id, 0, message.payload)
    assert peek(storage, letters) == []

    assert "deleted" in run("dead-letters", "delete", by_kind["poison"]["id"], *where)
    assert peek(storage, f"{source}-poison") == []
    assert "No dead letter or poison message 'nope'" in run("dead-letters", "show", "nope", *where, ok=False)
