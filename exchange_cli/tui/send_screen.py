"""Compose a message for a queue in a JSON editor; it is validated before it can be sent."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, TextArea

from framework.errors import ExchangeError
from framework.queues import validate_queue_name

TEMPLATE = '{\n  "id": "1",\n  "data": {}\n}\n'


def check(queue: str, body: str) -> str | None:
    """What is wrong with sending ``body`` to ``queue``, or None when it can go."""
    try:
        validate_queue_name(queue.strip())
    except ExchangeError as error:
        return error.message
    try:
        json.loads(body)
    except ValueError as error:
        return f"The body is not valid JSON: {error}"
    except RecursionError:
        return "The body is nested too deeply to parse as JSON."
    return None


class SendScreen(ModalScreen[tuple[str, str] | None]):
    """Dismissed with ``(queue, body)`` when sent, None when cancelled."""

    DEFAULT_CSS = """
    SendScreen { align: center middle; }
    SendScreen > Vertical { width: 90%; max-width: 100; height: 90%; border: round $accent; background: $surface; }
    SendScreen TextArea { height: 1fr; }
    SendScreen #problem { color: $error; height: auto; width: 100%; }
    SendScreen Horizontal { height: auto; align-horizontal: right; }
    """
    BINDINGS = [
        Binding("ctrl+s", "send", "Send"),
        Binding("escape", "cancel", "Cancel"),
        # Tab moves between the two fields (in the editor too: a JSON body needs no tab characters).
        Binding("tab", "other_field", "Next field", show=False, priority=True),
        Binding("shift+tab", "other_field", "Previous field", show=False, priority=True),
    ]

    def __init__(self, queue: str = "", body: str = TEMPLATE) -> None:
        super().__init__()
        self.queue, self.body = queue, body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Send a message (ctrl+s sends, esc cancels)")
            yield Input(self.queue, placeholder="queue name", id="queue")
            editor = TextArea(self.body, id="body", show_line_numbers=True, tab_behavior="focus")
            if "json" in editor.available_languages:
                editor.language = "json"
            yield editor
            yield Label("", id="problem")
            with Horizontal():
                yield Button("Send", variant="primary", id="send")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#queue" if not self.queue else "#body").focus()

    def action_other_field(self) -> None:
        """Focus the queue field from anywhere else, the body from the queue field."""
        queue = self.query_one("#queue", Input)
        (self.query_one("#body", TextArea) if queue.has_focus else queue).focus()

    def on_text_area_changed(self) -> None:
        self._validate()

    def on_input_changed(self) -> None:
        self._validate()

    def _validate(self) -> str | None:
        problem = check(self.query_one("#queue", Input).value, self.query_one(TextArea).text)
        self.query_one("#problem", Label).update(problem or "")
        self.query_one("#send", Button).disabled = problem is not None
        return problem

    def action_send(self) -> None:
        if self._validate() is None:
            self.dismiss((self.query_one("#queue", Input).value.strip(), self.query_one(TextArea).text))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_send() if event.button.id == "send" else self.action_cancel()
