"""Function logs into the journal: what a function logs is tied to its invocation, as the real host records it.

A logging handler on the root logger journals records emitted while an invocation is in force (the invoker's
context variable flows into its worker threads; in azure-functions-runtime's threads the invoker finds the invocation
by the runtime's own id), so host internals are left out and the TUI can show a function's
logs next to its messages. The root logger is the process's, so each host's handler keeps only the records of
its own invocations (those under its runtime): two hosts in one process do not journal each other's logs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from emulator.journal.store import InvocationScope, Journal, current_invocation, truncate
from framework.context import current_correlation_id, current_runtime
from framework.runtime import Runtime

#: Loggers of the SDKs and the emulator itself: their records are not the function's logs.
_NOT_THE_FUNCTIONS = ("azure.", "aiohttp.", "urllib3.", "emulator.")


class JournalLogHandler(logging.Handler):
    """Journals log records of invocations (kind ``log``)."""

    def __init__(
        self,
        journal: Journal,
        level: int = logging.INFO,
        *,
        runtime: Runtime | None = None,
        scope: Callable[[], InvocationScope | None] = current_invocation.get,
    ) -> None:
        super().__init__(level)
        self.journal = journal
        #: The host's runtime: only records logged under it are this host's (None: any invocation's).
        self.runtime = runtime
        #: The invocation the logging code runs in (the host's invoker knows it where context variables do not
        #: reach: azure-functions-runtime's thread pool).
        self.scope = scope

    def emit(self, record: logging.LogRecord) -> None:
        """Append the record if it was logged inside an invocation."""
        scope = self.scope()
        if scope is None or record.name.startswith(_NOT_THE_FUNCTIONS):
            return
        if self.runtime is not None and current_runtime() is not self.runtime:  # another host's invocation
            return
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in user code must not break the function
            message = str(record.msg)
        self.journal.record(
            "log",
            function=scope.function,
            invocation_id=scope.invocation_id,
            correlation_id=current_correlation_id() or scope.correlation_id,
            status=record.levelname.lower(),
            data={"logger": record.name, "message": truncate(message)},
        )


def install(
    journal: Journal,
    runtime: Runtime | None = None,
    scope: Callable[[], InvocationScope | None] = current_invocation.get,
) -> JournalLogHandler:
    """Attach a handler for ``journal`` (the logs of invocations under ``runtime``, each in the invocation ``scope``
    says) to the root logger (INFO and up reach it, whatever the root's level)."""
    handler = JournalLogHandler(journal, runtime=runtime, scope=scope)
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
