"""The exchange terminal UI (Textual): the live system, its messages, entities and routing.

``make_app`` builds the app for the ``exchange tui`` command, for ``exchange dev`` and for the tests alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exchange_cli.tui.app import ExchangeApp
    from exchange_cli.tui.target import TuiTarget

__all__ = ["make_app", "run_tui"]


def make_app(target: TuiTarget, **options: Any) -> ExchangeApp:
    """The TUI app for ``target`` (``options``: ``poll_interval``, ``ring_size``)."""
    from exchange_cli.tui.app import ExchangeApp

    return ExchangeApp(target, **options)


def run_tui(target: TuiTarget, on_exit: Callable[[], None] | None = None) -> None:
    """Run the TUI in this process until the user quits, then call ``on_exit`` (e.g. stop the host)."""
    try:
        make_app(target).run()
    finally:
        if on_exit is not None:
            on_exit()
