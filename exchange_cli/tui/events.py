"""Messages the views send up to the app (state comes back down through the app's reactives)."""

from __future__ import annotations

from textual.message import Message

from emulator.journal.store import JournalEntry


class FollowCorrelation(Message):
    """Follow one correlation id across every view (None: stop following)."""

    def __init__(self, correlation_id: str | None) -> None:
        super().__init__()
        self.correlation_id = correlation_id


class OpenEntry(Message):
    """Show the detail of a journal entry (a message, an invocation end, an operation)."""

    def __init__(self, entry: JournalEntry) -> None:
        super().__init__()
        self.entry = entry


class RunFunction(Message):
    """Run a function now on the host (fire a timer), as ``POST /admin/functions/NAME``."""

    def __init__(self, function: str, input_: str = "") -> None:
        super().__init__()
        self.function = function
        self.input = input_


class SendMessage(Message):
    """Put a message on a queue."""

    def __init__(self, queue: str, body: str) -> None:
        super().__init__()
        self.queue = queue
        self.body = body


class ShowStream(Message):
    """Open the Messages view with a filter line."""

    def __init__(self, filter_line: str) -> None:
        super().__init__()
        self.filter_line = filter_line
