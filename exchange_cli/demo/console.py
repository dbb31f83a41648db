"""The demo's plain-text view: one short line per thing that happens."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from emulator.journal.flows import Flow, Step
from exchange_cli.demo.traffic import Sent
from exchange_cli.demo.workspace import DemoWorkspace

OUTCOME_STYLE = {"done": "green", "dead_lettered": "red", "poison": "red", "failed": "red", "waiting": "yellow"}
INTRO = """\
exchange demo: a coffee shop on the local Functions host, in {root} ({made}; DEMO.md there explains it)

  POST /api/orders -> orders -> [coffee-orders] -> coffee_order -> [barista-queue] -> barista
      -> entity order/<id> + ticket file            (no drink_type -> [dead-letter])
  every 10 s: daily_special -> [coffee-orders]

In another terminal:
  {exe} messages -F -d {app}      # messages as they move
  {exe} entities -d {app}         # the orders stored
  curl -X POST {url}/api/orders -d '{{"id": 6, "drink_type": "flat white"}}'
  add "tea": 3.00 to MENU in {root}/processors/coffee_order/config.py and save: the host reloads
Ctrl-C stops the demo.
"""
#: The tag of a flow line per outcome, as `exchange messages` tags dead letters (DLQ) and poison (PSN).
OUTCOME_TAG = {"done": "done", "dead_lettered": "DLQ", "poison": "PSN", "failed": "FAIL", "waiting": "WAIT"}


def _arrow() -> str:
    try:
        "→".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "->"
    return "→"


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is below it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def _exchange_command() -> str:
    """How to run ``exchange`` from another terminal: its full path when the one running is not on the PATH."""
    running = Path(sys.argv[0]).resolve()
    on_path = shutil.which("exchange")
    if running.name == "exchange" and (on_path is None or Path(on_path).resolve() != running):
        return _shown(running)
    return "exchange"


def order_label(payload: dict[str, Any] | None) -> str:
    """``order #3 large latte``: what a coffee order is, from its payload."""
    if not payload:
        return "request"
    size = f"{payload['size']} " if payload.get("size") else ""
    drink = payload.get("drink_type")
    what = f"{size}{drink}" if drink else f"(no drink_type{', ' + size.strip() if size else ''})"
    return f"order #{payload.get('id', '?')} {what}"


class ConsoleView:
    """Prints the demo to the terminal (the :class:`~exchange_cli.demo.run.DemoView` of ``exchange demo``)."""

    def __init__(self) -> None:
        self.arrow = _arrow()
        #: Where lines go once the TUI owns the terminal (None: the terminal).
        self.log_file: Path | None = None

    def redirect(self, log_file: Path) -> None:
        """Write lines to ``log_file`` from now on: the TUI shows the same things and owns the terminal."""
        self.log_file = log_file

    def _line(self, tag: str, text: str, color: str | None = None) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        if self.log_file is not None:
            with self.log_file.open("a", encoding="utf-8") as log:
                log.write(f"[{stamp}] {tag:<5} {text}\n")
            return
        click.echo(f"[{stamp}] {click.style(f'{tag:<5}', fg=color)} {text}")

    def intro(self, demo: DemoWorkspace, base_url: str) -> None:
        """What the demo is, where its files are, what to try."""
        made = "generated" if demo.created else "reused as it is"
        text = INTRO.format(
            root=_shown(demo.root), made=made, app=_shown(demo.deployment), exe=_exchange_command(), url=base_url
        )
        click.echo(text.replace("->", self.arrow))

    def status(self, line: str) -> None:
        """A supervisor line."""
        self._line("host", line)

    def sent(self, sent: Sent) -> None:
        """A sample order posted."""
        answer = sent.response.get("status", "") if isinstance(sent.response, dict) else sent.response
        color = "cyan" if 200 <= sent.status < 300 else "red"
        self._line("POST", f"{order_label(sent.order)} for {sent.order.get('customer')}: {sent.status} {answer}", color)

    def flow(self, flow: Flow) -> None:
        """A flow that ended: its path, and what went wrong if something did."""
        path = ""
        for step in flow.steps:
            shown = self._step(step)
            if shown:
                joint = " + " if step.kind == "file" and path else f" {self.arrow} "
                path = f"{path}{joint}{shown}" if path else shown
        error = f": {flow.error}" if flow.error else ""
        ms = flow.duration.total_seconds() * 1000
        text = f"{order_label(flow.payload)}: {path}{error}  ({ms:.0f} ms)"
        self._line(OUTCOME_TAG.get(flow.outcome, flow.outcome), text, OUTCOME_STYLE.get(flow.outcome))

    def _step(self, step: Step) -> str | None:
        if step.kind == "function":
            return step.name
        if step.kind in ("queue", "dead_letter", "poison"):
            return f"[{step.name}]"
        if step.kind == "entity":
            version, _, duplicate = (step.detail or "").partition(" ")
            return f"entity {step.name} {version}{' (unchanged)' if duplicate else ''}"
        if step.kind == "file":
            return "ticket file"
        return f"! {step.name} ({step.detail})" if step.detail and step.detail.startswith("retry") else None
