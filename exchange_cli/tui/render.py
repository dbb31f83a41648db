"""Small rendering helpers shared by the views."""

from __future__ import annotations

from rich.json import JSON
from rich.markup import escape
from rich.syntax import Syntax
from rich.text import Text


def highlighted(text: str, lexer: str) -> Syntax:
    """``text`` highlighted in the terminal's own colours (readable in the light and the dark theme)."""
    return Syntax(text, lexer, theme="ansi_dark", background_color="default", word_wrap=True)


def json_or_text(body: str) -> JSON | Text:
    """``body`` as indented, highlighted JSON when it parses, else as plain text."""
    try:
        return JSON(body, indent=2)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than a parser goes: shown as text
        return Text(body)


def cell(text: str, style: str = "") -> str:
    """A table cell as escaped markup (a cell's text may hold ``[``; styled Text cells render one column off)."""
    return f"[{style}]{escape(text)}[/]" if style and text else escape(text)
