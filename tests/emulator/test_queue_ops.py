"""Sending, peeking, replaying and deleting on real Azurite queues."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from emulator.client import queues as queue_ops
from emulator.testing.plugin import QueueMessageSeen
from framework.queues import InvalidQueueNameError, MessageTooLargeError, encode_body, send_text
from framework.storage import queue_client

Reader = Callable[..., list[QueueMessageSeen]]


def test_send_encodes_base64_and_creates_the_queue(
    storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    ids = queue_ops.send(storage_connection_string, queue_name, ['{"n": 1}', '{"n": 2}'])

    assert len(ids) == 2
    assert sorted(m.json()["n"] for m in queue_reader(queue_name)) == [1, 2]


def test_send_with_encoding_none_puts_plain_text(
    storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    queue_ops.send(storage_connection_string, queue_name, ["plain"], encoding="none")

    assert [m.text for m in queue_reader(queue_name, encoding="none")] == ["plain"]


def test_send_refuses_an_invalid_queue_name_and_sends_nothing(storage_connection_string: str) -> None:
    with pytest.raises(InvalidQueueNameError, match="Orders_Queue"):
        queue_ops.send(storage_connection_string, "Orders_Queue", ["x"])


def test_send_checks_every_body_before_sending_any(
    storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    with pytest.raises(MessageTooLargeError):
        queue_ops.send(storage_connection_string, queue_name, ["small", "x" * 60_000])

    assert queue_reader(queue_name) == []


def test_peek_shows_bodies_without_taking_them_and_flags_bad_base64(
    storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    client = queue_client(queue_name, storage_connection_string)
    send_text(client, encode_body("good"))
    send_text(client, "not base64!")

    seen = queue_ops.peek(storage_connection_string, queue_name)

    assert [(m.body, m.decoded) for m in seen] == [("good", True), ("not base64!", False)]
    assert len(queue_reader(queue_name, encoding="none")) == 2  # still there


def test_peek_of_a_missing_queue_is_empty(storage_connection_string: str, queue_name: str) -> None:
    assert queue_ops.peek(storage_connection_string, queue_name) == []


def test_replay_moves_every_poison_message_back_unchanged(
    storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    poison = queue_ops.poison_queue_name(queue_name)
    queue_ops.send(storage_connection_string, poison, [f'{{"n": {i}}}' for i in range(40)])

    moved = queue_ops.replay(storage_connection_string, queue_name)

    assert moved == 40
    assert sorted(m.json()["n"] for m in queue_reader(queue_name, limit=100)) == list(range(40))
    assert queue_reader(poison) == []


def test_replay_of_one_message_by_id_leaves_the_others(
    storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    poison = queue_ops.poison_queue_name(queue_name)
    ids = queue_ops.send(storage_connection_string, poison, ["a", "b", "c"])

    assert queue_ops.replay(storage_connection_string, queue_name, message_id=ids[1]) == 1

    assert [m.text for m in queue_reader(queue_name)] == ["b"]
    assert sorted(m.text for m in queue_reader(poison)) == ["a", "c"]


def test_delete_finds_a_message_past_the_first_32(
    storage_connection_string: str, queue_name: str, queue_reader: Reader
) -> None:
    ids = queue_ops.send(storage_connection_string, queue_name, [str(i) for i in range(40)])

    assert queue_ops.delete(storage_connection_string, queue_name, ids[37])
    assert not queue_ops.delete(storage_connection_string, queue_name, "no-such-id")

    remaining = sorted(int(m.text) for m in queue_reader(queue_name, limit=100))
    assert remaining == [i for i in range(40) if i != 37]
