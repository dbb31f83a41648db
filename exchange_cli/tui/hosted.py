"""``exchange dev`` with the TUI: the host runs in a thread of this process, the TUI owns the terminal.

The workers' output goes to ``<deployment>/.exchange/dev.log`` (the terminal belongs to the TUI); the supervisor's
status lines (reloads, code that fails to load) go there too and pop up as notifications in the TUI. Quitting the
TUI stops the host and everything it started, as Ctrl-C does without the TUI.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.dev.supervisor import DevOptions, Supervisor
    from exchange_cli.tui.app import ExchangeApp


class HostedRun:
    """A host served in a background thread, its status lines logged and forwarded to the app once it runs."""

    def __init__(self, options: DevOptions, serve: Callable[..., None]) -> None:
        self.options = options
        self.log_path = options.deployment_dir.resolve() / ".exchange" / "dev.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        options.log_path = self.log_path
        self._serve = serve
        self.app: ExchangeApp | None = None
        self.supervisor: Supervisor | None = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="exchange-dev", daemon=True)

    def say(self, line: str) -> None:
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"[{datetime.now():%H:%M:%S}] [dev] {line}\n")
        app = self.app
        if app is not None and app.is_running:
            failed = "failed" in line
            app.call_from_thread(
                app.notify, line, severity="error" if failed else "information", timeout=30 if failed else 4
            )

    def _on_ready(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self._ready.set()

    def _run(self) -> None:
        try:
            self._serve(self.options, self.say, on_ready=self._on_ready)
        except BaseException as error:  # handed to the main thread, which reports it
            self.error = error
        finally:
            self._ready.set()

    def start(self) -> None:
        """Start serving; returns once the host can be attached to, or raises why it could not start."""
        self._thread.start()
        self._ready.wait()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Stop the host and wait for it; re-raise what went wrong in it."""
        if self.supervisor is not None:
            self.supervisor.shutdown()
        self._thread.join()
        if self.error is not None:
            raise self.error


def serve_with_tui(options: DevOptions, **app_options: Any) -> None:
    """Run ``exchange dev`` with the TUI in front until the user quits it."""
    from emulator.app.deployment import load_deployment
    from emulator.dev import state as devstate
    from emulator.dev.run import run_dev
    from exchange_cli.tui import make_app
    from exchange_cli.tui.target import for_host

    run = HostedRun(options, run_dev)
    run.start()
    deployment_dir = Path(options.deployment_dir)
    state = devstate.read(deployment_dir)
    assert state is not None, "run_dev records the host before it is ready"
    encoding = load_deployment(deployment_dir).host.queues.message_encoding
    run.app = make_app(for_host(state, encoding), **app_options)
    try:
        run.app.run()
    finally:
        run.stop()
