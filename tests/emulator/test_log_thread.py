"""Worker log output leaves the event loop's thread: a terminal or pipe that is read late blocks no logging call."""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
from collections.abc import Iterator

import pytest

from emulator.dev.log_thread import off_the_loop

LINE = "x" * 1000


@pytest.fixture
def unread_pipe_logger() -> Iterator[tuple[logging.Logger, int]]:
    """The root logger writing to a pipe that nobody reads yet (its buffer holds ~64 KiB)."""
    read_fd, write_fd = os.pipe()
    stream = os.fdopen(write_fd, "w", buffering=1)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers, root.level = [handler], logging.INFO
    try:
        yield root, read_fd
    finally:
        root.handlers, root.level = saved_handlers, saved_level
        os.close(read_fd)
        stream.close()


def drain(fd: int, into: bytearray, done: threading.Event) -> None:
    while chunk := os.read(fd, 65536):
        into.extend(chunk)
        if into.count(b"\n") >= 200:
            done.set()
            return


def test_logging_200_kib_to_an_unread_pipe_returns_at_once_and_every_line_arrives_in_order(
    unread_pipe_logger: tuple[logging.Logger, int],
) -> None:
    root, read_fd = unread_pipe_logger
    logged = threading.Event()

    def log_all() -> None:
        for n in range(200):
            root.info("%d %s", n, LINE)
        logged.set()

    with off_the_loop():
        writer = threading.Thread(target=log_all, daemon=True)
        writer.start()
        assert logged.wait(10), "a logging call blocked on the unread pipe"  # 200 KiB > the pipe's buffer
        received, done = bytearray(), threading.Event()
        threading.Thread(target=drain, args=(read_fd, received, done), daemon=True).start()
    assert done.wait(10)

    lines = received.decode().splitlines()
    assert lines == [f"INFO {n} {LINE}" for n in range(200)]
    assert root.handlers and not isinstance(root.handlers[0], logging.handlers.QueueHandler)
