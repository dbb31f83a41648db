"""Errors of scaffolding: every one names the file, folder or name involved and says what to do."""

from __future__ import annotations

from framework.errors import ConfigurationError, ExchangeError


class ScaffoldError(ExchangeError):
    """Generating or updating files from exchange's templates failed."""


class InvalidNameError(ConfigurationError):
    """A customer, processor, queue name or schedule that exchange refuses; nothing was written."""

    usage = True


class TargetExistsError(ScaffoldError):
    """What would be generated exists already (pass ``--force`` to replace it)."""


class WorkspaceNotFoundError(ScaffoldError):
    """No exchange workspace (a pyproject.toml with ``[tool.exchange]``) at or above a folder."""


class UpdateError(ScaffoldError):
    """``exchange update`` cannot run here (no git, uncommitted changes, unknown template version)."""
