"""Turn exchange's errors into click's, once, at the edge of the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from framework.errors import ConfigurationError, ExchangeError


class ExchangeClickError(click.ClickException):
    """An :class:`ExchangeError` shown as ``Error: message`` plus its hint; exit code 1."""

    def __init__(self, error: ExchangeError) -> None:
        super().__init__(error.message)
        self.hint = error.hint

    def format_message(self) -> str:
        return self.message if not self.hint else f"{self.message}\nHint: {self.hint}"


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise an :class:`ExchangeError` as a click error: a usage error for bad settings, else exit 1."""
    try:
        yield
    except ExchangeError as error:
        if isinstance(error, ConfigurationError) and getattr(error, "usage", False):
            raise click.UsageError(str(error)) from error
        raise ExchangeClickError(error) from error
