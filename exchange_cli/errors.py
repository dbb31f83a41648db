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
def translate_errors(*, debug: bool = False) -> Iterator[None]:
    """Re-raise an :class:`ExchangeError` as a click error: a usage error for bad settings, else exit 1.

    Anything else that escapes a command is a bug of exchange: without ``debug`` it is one line saying so (and
    how to get the traceback); with ``debug`` the traceback is shown as it is.
    """
    try:
        yield
    except ExchangeError as error:
        if isinstance(error, ConfigurationError) and getattr(error, "usage", False):
            raise click.UsageError(str(error)) from error
        raise ExchangeClickError(error) from error
    except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:
        if debug:
            raise
        raise click.ClickException(_unexpected(error)) from error


def _unexpected(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}\nHint: free the disk space or fix the permissions, then run again"
    if isinstance(error, RecursionError):
        return "the input is nested too deeply to read (Python reads about 1,000 levels)"
    return (
        f"unexpected {type(error).__name__}: {error}\n"
        "Hint: this is a bug of exchange; run again with --debug for the traceback and report it"
    )
