"""The host-worker protocol: every message survives the wire, and what it cannot read is a ProtocolError."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from emulator.dev import protocol
from emulator.dev.control import ControlChannel
from emulator.dev.protocol import (
    VERSION,
    Drain,
    Drained,
    Error,
    Exited,
    Fork,
    Forked,
    ForkServerReady,
    Load,
    LoadCancelled,
    Loaded,
    LoadFailed,
    ProtocolError,
    Ready,
    Start,
    Started,
    StartFailed,
    Stopped,
    Warm,
)
from emulator.runtime.config import WorkerConfig

CONFIG = WorkerConfig(
    deployment_dir=Path("/srv/app"),
    storage="UseDevelopmentStorage=true",
    database_url="sqlite:///orders.db",
    journal_path=Path("/srv/app/.exchange/journal.db"),
    journal_keep=500,
    lease_s=2.5,
    engine="azure",
    enable_auth=True,
    drain_timeout=3.0,
)

#: One of every message, with fields that are not their defaults.
EXAMPLES: list[protocol.Message] = [
    Warm(queues=(("conn-a", "orders"), ("conn-b", "payments"))),
    Load(config=CONFIG),
    Start(),
    Drain(timeout=4.5),
    Ready(pid=41, functions=("a", "b"), http="http://127.0.0.1:7071"),
    Loaded(functions=("a", "b"), not_run={"b": "a Service Bus trigger"}),
    LoadFailed(error="function_app.py:3: SyntaxError"),
    LoadCancelled(),
    Started(queues=(("conn-a", "orders"),)),
    StartFailed(error="storage unreachable"),
    Drained(),
    Stopped(pid=41),
    Error(type="IndexingError", message="bad", hint="fix it", details="Traceback ..."),
    Fork(index=2),
    ForkServerReady(pid=7),
    Forked(pid=8),
    Exited(pid=8, code=-9),
]


def test_the_examples_cover_every_kind_of_message_and_no_kind_is_used_twice() -> None:
    assert {type(message) for message in EXAMPLES} == set(protocol.MESSAGES)
    assert len(protocol.KINDS) == len(protocol.MESSAGES) and all(cls.kind for cls in protocol.MESSAGES)


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: m.kind)
def test_every_message_survives_encoding_and_decoding(message: protocol.Message) -> None:
    line = protocol.encode(message)

    assert line.endswith(b"\n") and line.count(b"\n") == 1  # one line: the framing of the control channel
    assert json.loads(line)["v"] == VERSION and json.loads(line)["kind"] == message.kind
    assert protocol.decode(line) == message
    assert type(message).from_dict(message.to_dict()) == message


def test_the_worker_config_keeps_every_field_across_the_wire() -> None:
    assert WorkerConfig.from_dict(json.loads(json.dumps(CONFIG.to_dict()))) == CONFIG
    assert WorkerConfig.from_dict({"deployment_dir": "/srv/app"}) == WorkerConfig(deployment_dir=Path("/srv/app"))


def test_a_message_of_another_version_is_refused_by_name() -> None:
    wire = {**Drained().to_dict(), "v": VERSION + 1}

    with pytest.raises(ProtocolError, match=f"protocol version {VERSION + 1} is not this side's {VERSION}"):
        protocol.decode(json.dumps(wire))
    with pytest.raises(ProtocolError, match="protocol version None"):
        protocol.decode('{"kind": "drained"}')


def test_an_unknown_kind_is_a_protocol_error_naming_it() -> None:
    with pytest.raises(ProtocolError, match="unknown message kind 'reboot'"):
        protocol.decode(json.dumps({"v": VERSION, "kind": "reboot"}))


@pytest.mark.parametrize(
    "wire",
    [
        {"v": VERSION, "kind": "loaded", "functions": ["a"]},  # not_run missing
        {"v": VERSION, "kind": "ready", "pid": "41", "functions": []},  # pid not an integer
        {"v": VERSION, "kind": "warm", "queues": [["only-a-connection"]]},
        {"v": VERSION, "kind": "load", "config": {"deployment_dir": "/x", "engine": "cobol"}},
        {"v": VERSION, "kind": "drain", "timeout": "soon"},
    ],
    ids=["missing-field", "mistyped-field", "bad-queue-pair", "bad-engine", "bad-number"],
)
def test_a_missing_or_mistyped_field_is_a_protocol_error_not_a_key_error(wire: dict[str, object]) -> None:
    with pytest.raises(ProtocolError, match=f"bad '{wire['kind']}' message"):
        protocol.decode(json.dumps(wire))


def test_what_is_not_a_message_at_all_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="invalid JSON"):
        protocol.decode(b"Traceback (most recent call last):\n")
    with pytest.raises(ProtocolError, match="a JSON object"):
        protocol.decode(b"[1, 2]")


def test_each_side_refuses_a_message_meant_for_the_other() -> None:
    with pytest.raises(ProtocolError, match="'drained' message where a command belongs"):
        protocol.decode_command(protocol.encode(Drained()))
    with pytest.raises(ProtocolError, match="'start' message where a worker's event belongs"):
        protocol.decode_event(protocol.encode(Start()))
    with pytest.raises(ProtocolError, match="'fork' message from the fork server"):
        protocol.decode_fork_reply(protocol.encode(Fork(index=0)))


def test_a_worker_speaking_another_version_is_seen_as_gone_not_as_a_crash() -> None:
    ours, theirs = socket.socketpair()
    channel = ControlChannel(ours)
    try:
        theirs.sendall(protocol.encode(Ready(pid=1)))
        theirs.sendall(json.dumps({"v": VERSION + 1, "kind": "loaded"}).encode() + b"\n")

        assert channel.wait(Ready, timeout=5) == Ready(pid=1)
        assert channel.wait(Loaded, LoadFailed, timeout=5) is None  # gone: the reader stopped at the bad line
        assert channel.seen == {Ready}
    finally:
        channel.close()
        theirs.close()
