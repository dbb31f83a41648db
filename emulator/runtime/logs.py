"""Function logs into the journal: what a function logs is tied to its invocation, as the real host records it.

A logging handler on the root logger journals records emitted while an invocation is in force (the invoker's
context variable flows into worker threads), so host internals are left out and the TUI can show a function's
logs next to its messages.
"""

from __future__ import annotations

import logging

from emulator.journal.store import Journal, current_invocation, truncate
from framework.context import current_correlation_id

#: Loggers of the SDKs and the emulator itself: their records are not the function's logs.
_NOT_THE_FUNCTIONS = ("azure.", "aiohttp.", "urllib3.", "emulator.")


class JournalLogHandler(logging.Handler):
    """Journals log records of invocations (kind ``log``)."""

    def __init__(self, journal: Journal, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.journal = journal

    def emit(self, record: logging.LogRecord) -> None:
        """Append the record if it was logged inside an invocation."""
        scope = current_invocation.get()
        if scope is None or record.name.startswith(_NOT_THE_FUNCTIONS):
            return
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in user code must not break the function
            message = str(record.msg)
        self.journal.record(
            "log",
            function=scope.function,
            invocation_id=scope.invocation_id,
            correlation_id=current_correlation_id(),
            status=record.levelname.lower(),
            data={"logger": record.name, "message": truncate(message)},
        )


def install(journal: Journal) -> JournalLogHandler:
    """Attach a handler for ``journal`` to the root logger (INFO and up reach it, whatever the root's level)."""
    handler = JournalLogHandler(journal)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    sdk = logging.getLogger("azure")
    if sdk.level == logging.NOTSET:  # the SDK logs every HTTP request at INFO
        sdk.setLevel(logging.WARNING)
    return handler


def uninstall(handler: JournalLogHandler) -> None:
    """Detach ``handler``."""
    logging.getLogger().removeHandler(handler)
