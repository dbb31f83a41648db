"""Run the demo: prepare the workspace, serve it with ``run_dev`` (as ``exchange dev``), send sample orders once
the host is up, and tell a :class:`DemoView` what happens, read back from the host's journal.

Output goes only through the view, so the plain console (``exchange_cli.demo.console``) and a terminal UI can
show the same run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from emulator.journal.flows import Flow, FlowTracker
from emulator.journal.store import Journal, default_journal_path
from exchange_cli.demo import startup
from exchange_cli.demo.traffic import Sent, send_samples
from exchange_cli.demo.workspace import DemoWorkspace, place

if TYPE_CHECKING:
    from emulator.azurite import AzuriteProcess

#: A flow whose routed message nobody read for this long is shown as waiting.
IDLE_FLOW = timedelta(seconds=30)
POLL_S = 0.2
#: How often the journal is read until the host has started: the first order goes out as soon as it can.
START_POLL_S = 0.02


class DemoView(Protocol):
    """What the demo tells its user; every method is called from any thread."""

    def intro(self, demo: DemoWorkspace, base_url: str) -> None:
        """The demo is ready to start: say what it is and what to try."""

    def status(self, line: str) -> None:
        """A line from the host's supervisor (Azurite, reloads, errors)."""

    def sent(self, sent: Sent) -> None:
        """A sample order was posted."""

    def flow(self, flow: Flow) -> None:
        """A piece of work went all the way through (or failed, or is stuck)."""


@dataclass
class DemoOptions:
    """What ``exchange demo`` was asked to do."""

    #: The demo workspace (created, or an earlier demo reused).
    folder: Path = Path("exchange-demo")
    port: int = 7071
    bind: str = "127.0.0.1"
    #: A storage connection string; None: Azurite, managed as ``exchange dev`` does.
    storage: str | None = None
    #: Send the sample orders once the host is up.
    traffic: bool = True
    reload: bool = True
    #: Show the live TUI (on a terminal) instead of one line per order.
    tui: bool = False


def run_demo(options: DemoOptions, view: DemoView) -> DemoWorkspace:
    """Run the demo until SIGINT or SIGTERM; everything it started is stopped on the way out.

    The slow parts of a start overlap (:mod:`~exchange_cli.demo.startup`): Azurite is launched as soon as the
    files are in place, the copied workspace is finished and the database migrated while Node.js boots, and
    ``run_dev`` warms its workers meanwhile; the first sample order goes out as soon as the host has started.
    """
    demo = place(options.folder, http_port=options.port)
    azurite = startup.launch_azurite(demo.deployment, view.status) if options.storage is None else None
    try:
        _run(demo, options, view, azurite)
    finally:
        if azurite is not None:  # run_dev stops it once it took it over; not if it failed before that
            startup.stop_unless_stopped(azurite)
    return DemoWorkspace(demo.root, demo.deployment, demo.created)


def _run(demo: DemoWorkspace, options: DemoOptions, view: DemoView, azurite: AzuriteProcess | None) -> None:
    base_url = f"http://{options.bind}:{options.port}"
    view.intro(demo, base_url)
    journal = Journal(default_journal_path(demo.deployment))
    stop, host_up = threading.Event(), threading.Event()
    threads = [threading.Thread(target=narrate, args=(journal, journal.last_id(), view, stop, host_up), daemon=True)]
    threads.append(threading.Thread(target=startup.finish_and_migrate, args=(demo, view.status), daemon=True))
    if options.traffic:
        threads.append(threading.Thread(target=_traffic, args=(base_url, view, stop, host_up), daemon=True))
    for thread in threads:
        thread.start()
    try:
        _serve(demo, options, view, azurite)
    finally:
        stop.set()
        threads[1].join()  # the workspace's answers and git repository are complete before we return
        for thread in threads:
            thread.join(timeout=5)


def _serve(demo: DemoWorkspace, options: DemoOptions, view: DemoView, azurite: AzuriteProcess | None) -> None:
    """Run the deployment as ``exchange dev`` does, until SIGINT or SIGTERM."""
    from emulator.dev.run import run_dev
    from emulator.dev.supervisor import DevOptions

    if options.storage is None and azurite is None:
        startup.install_azurite(view.status)
    dev = DevOptions(
        deployment_dir=demo.deployment,
        bind=options.bind,
        port=options.port,
        storage=options.storage,
        reload=options.reload,
        azurite=azurite,
    )
    if not options.tui:
        run_dev(dev, view.status)
        return
    from exchange_cli.tui.hosted import serve_with_tui

    redirect = getattr(view, "redirect", None)
    if redirect is not None:
        redirect(demo.deployment / ".exchange" / "demo.log")
    serve_with_tui(dev)


def narrate(journal: Journal, since_id: int, view: DemoView, stop: threading.Event, host_up: threading.Event) -> None:
    """Follow the journal after ``since_id`` until ``stop``: set ``host_up`` at the host's start, report flows."""
    tracker = FlowTracker()
    while not stop.is_set():
        for entry in journal.read(since_id, 500):
            since_id = entry.id or since_id
            if entry.kind == "host.start":
                host_up.set()
            for flow in tracker.feed(entry):
                view.flow(flow)
        for flow in tracker.expire(datetime.now(UTC), IDLE_FLOW):
            view.flow(flow)
        stop.wait(POLL_S if host_up.is_set() else START_POLL_S)


def _traffic(base_url: str, view: DemoView, stop: threading.Event, host_up: threading.Event) -> None:
    while not (host_up.wait(POLL_S) or stop.is_set()):
        pass
    if not stop.is_set():
        send_samples(f"{base_url}/api/orders", view.sent, stop)
