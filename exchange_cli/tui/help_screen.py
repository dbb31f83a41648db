"""The help screen: what each view shows and the keys that work everywhere."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# exchange — live view

| key | does |
|---|---|
| `1`…`6` | Functions, Messages, Entities, Routing, Poison, Logs |
| `s` | send a message to a queue (JSON editor, validated) |
| `p` | pause / resume the live stream |
| `f` / `x` | follow a correlation id in every view / stop following |
| `c` | follow the correlation id of the selected row |
| `/` | filter: `queue:NAME fn:NAME status:error cid:ID words` |
| `enter` | open the selected message, function or entity |
| `t` | (Functions) run the function now: fires a timer |
| `r` / `d` | (Poison) replay / delete; (message) send it again |
| `ctrl+t` | light / dark theme |
| `ctrl+p` | command palette |
| `q` | quit |

The figures come from the host's journal, read incrementally; the tables keep the newest 2,000 rows.
"""


class HelpScreen(ModalScreen[None]):
    """Keys and views."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80%; max-width: 90; height: 90%; border: round $accent;
                                  background: $surface; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)
