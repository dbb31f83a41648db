"""Errors of packaging and checking: each names the customer, folder or file and says what to do."""

from __future__ import annotations

from framework.errors import ExchangeError


class DeployError(ExchangeError):
    """A deployment cannot be packaged or checked (no such customer, no folder, no usable Python)."""
