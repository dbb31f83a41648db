"""The HTTP trigger's errors, in a module of their own: the supervisor raises them too, without importing aiohttp."""

from __future__ import annotations

from framework.errors import ExchangeError


class PortInUseError(ExchangeError):
    """The HTTP port is taken by another process: raised by the server binding it itself and by ``exchange dev``'s
    supervisor, which binds it once for its workers (:func:`emulator.dev.supervisor.bind_http`)."""
