"""FileOutputHandler: json and jsonl, patterns, gzip, atomic writes, and never a path outside the folder."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from framework import FileOutputHandler, Message, ProcessingResult, tenant_context
from framework.events import capture


def test_writes_the_forwarded_message_as_json_named_by_the_pattern(tmp_path: Path) -> None:
    with tenant_context("acme"):
        message = Message(payload={"order": 1}, metadata={"operation": "x"})
    result = ProcessingResult.create_success(entities_created=["e1"], processing_metadata={"n": 1})
    handler = FileOutputHandler(str(tmp_path), {"file_pattern": "{tenant_id}/{date}/order_{message_id}.json"})

    outcome = handler.handle(message, result)

    assert outcome.ok, outcome.error
    [path] = [Path(p) for p in outcome.delivered]
    assert path.parent.parent == tmp_path / "acme"
    body = json.loads(path.read_text())
    assert body["payload"] == {"order": 1} and body["correlation_id"] == message.correlation_id
    assert body["metadata"]["previous_message_id"] == message.message_id
    assert body["metadata"]["entities_created"] == ["e1"] and body["metadata"]["processing"] == {"n": 1}
    assert body["entity_reference"]["entity_id"] == "e1"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


def test_output_messages_of_the_result_are_written_instead_of_the_input(tmp_path: Path) -> None:
    outs = [Message(payload={"i": i}) for i in range(3)]
    handler = FileOutputHandler(str(tmp_path), {"file_pattern": "out.jsonl"})

    handler.handle(Message(payload={}), ProcessingResult.create_success(output_messages=outs))
    handler.handle(Message(payload={}), ProcessingResult.create_success(output_messages=outs[:1]))

    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert [json.loads(line)["payload"]["i"] for line in lines] == [0, 1, 2, 0]


def test_compress_gzips_json_and_jsonl(tmp_path: Path) -> None:
    message = Message(payload={"big": "x" * 1000})
    json_out = FileOutputHandler(str(tmp_path), {"file_pattern": "order_{timestamp}.json", "compress": True})
    lines_out = FileOutputHandler(str(tmp_path), {"file_pattern": "all.jsonl", "compress": True})

    [json_path] = json_out.handle(message).delivered
    lines_out.handle(message)
    lines_out.handle(message)

    assert json_path.endswith(".json.gz")
    assert json.loads(gzip.decompress(Path(json_path).read_bytes()))["payload"] == message.payload
    assert len(gzip.decompress((tmp_path / "all.jsonl.gz").read_bytes()).splitlines()) == 2


def test_a_message_id_with_path_characters_cannot_climb_out(tmp_path: Path) -> None:
    message = Message(payload={}, message_id="../../etc/passwd")
    outcome = FileOutputHandler(str(tmp_path / "out")).handle(message)
    assert outcome.ok
    assert Path(outcome.delivered[0]).parent == tmp_path / "out"


def test_a_symlink_pointing_out_of_the_destination_is_refused(tmp_path: Path) -> None:
    outside, root = tmp_path / "outside", tmp_path / "root"
    outside.mkdir()
    root.mkdir()
    (root / "escape").symlink_to(outside)
    handler = FileOutputHandler(str(root), {"file_pattern": "escape/{message_id}.json"})

    with capture() as seen:
        outcome = handler.handle(Message(payload={}))

    assert not outcome.ok and "outside the destination folder" in (outcome.error or "")
    assert list(outside.iterdir()) == []
    assert [e.data["ok"] for e in seen if e.kind == "output.routed"] == [False]


def test_two_messages_for_one_json_file_are_refused(tmp_path: Path) -> None:
    handler = FileOutputHandler(str(tmp_path), {"file_pattern": "same.json"})
    result = ProcessingResult.create_success(output_messages=[Message(payload={}), Message(payload={})])
    outcome = handler.handle(Message(payload={}), result)
    assert not outcome.ok and "{message_id}" in (outcome.error or "")
