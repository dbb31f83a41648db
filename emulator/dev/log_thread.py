"""Log output written by a thread of its own, so the event loop never waits on a terminal or a pipe.

Under ``exchange dev --no-tui`` a worker's log lines (one per invocation, as ``func start`` prints them) go to the
user's terminal: a slow terminal, or a pipe its reader empties late, would block every ``write`` in the event
loop's thread and with it every message in flight. :func:`off_the_loop` moves the root logger's handlers behind a
queue for the duration; records are formatted where they are logged and written by a listener thread, in order,
and flushed when the block ends.
"""

from __future__ import annotations

import logging
import logging.handlers
import queue
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def off_the_loop() -> Iterator[None]:
    """Write the root logger's output from a listener thread while the block runs (start it after any fork)."""
    root = logging.getLogger()
    handlers = list(root.handlers)
    if not handlers:
        yield
        return
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = logging.handlers.QueueListener(records, *handlers, respect_handler_level=True)
    relay = logging.handlers.QueueHandler(records)
    for handler in handlers:
        root.removeHandler(handler)
    root.addHandler(relay)
    listener.start()
    try:
        yield
    finally:
        root.removeHandler(relay)
        listener.stop()  # writes what is still queued
        for handler in handlers:
            root.addHandler(handler)


def configure_logging(verbose: bool) -> None:
    """Worker logs go to stderr; the Azure SDK's per-request INFO lines are noise for a user."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        logging.getLogger("azure").setLevel(logging.WARNING)
