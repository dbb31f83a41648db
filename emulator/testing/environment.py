"""The one process environment that in-process test hosts share, and the guard that keeps them from sharing it
silently.

What the framework reads is per host (the settings of each host's :class:`framework.runtime.Runtime`), but user
code in ``function_app.py`` reads ``os.environ``, and a host writes its app settings there so that it can: one
process has one environment. Two hosts in one process that give one setting different values would each see the
other's, so :func:`emulator.testing.host.running` refuses to start the second with a :class:`SettingsConflictError`.
The same goes for ``sys.path`` and ``sys.modules``: each host puts its app folder on the path, so two app folders
with a module of the same name (``helpers.py``) would share whichever was imported first.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from pathlib import Path

from framework.errors import ExchangeError


class SettingsConflictError(ExchangeError):
    """Two hosts in one process need different values for one app setting (``os.environ`` is process-wide)."""


class ProcessEnvironment:
    """The app settings each running in-process host put in ``os.environ``, by host."""

    def __init__(self) -> None:
        self._claims: dict[int, tuple[Path, dict[str, str], set[str]]] = {}
        self._tokens = itertools.count(1)
        self._lock = threading.Lock()

    def claim(self, deployment: Path, settings: Mapping[str, str]) -> int:
        """Record that ``deployment``'s host sets ``settings``; raise if a running host set one differently, or if
        its app folder (another one) has a module of the same name.

        Returns the token to :meth:`release` when the host stops.
        """
        modules = local_modules(deployment)
        with self._lock:
            for other, theirs, their_modules in self._claims.values():
                clashes = sorted(k for k, v in settings.items() if k in theirs and theirs[k] != v)
                if clashes:
                    raise SettingsConflictError(
                        f"Two hosts in one process need different values for {', '.join(clashes)}: {deployment} "
                        f"and {other} (which is running). os.environ is one per process, so user code in either "
                        "would read the other's.",
                        hint=f"give both deployments the same values, {_HINT}",
                    )
                shared = sorted(modules & their_modules) if Path(other).resolve() != Path(deployment).resolve() else []
                if shared:
                    raise SettingsConflictError(
                        f"Two hosts in one process have app modules of the same name, {', '.join(shared)}: "
                        f"{deployment} and {other} (which is running). sys.modules is one per process, so one app "
                        "would import the other's.",
                        hint=f"rename the module in one of them, {_HINT}",
                    )
            token = next(self._tokens)
            self._claims[token] = (deployment, dict(settings), modules)
            return token

    def release(self, token: int) -> None:
        """Forget the settings of a host that stopped."""
        with self._lock:
            self._claims.pop(token, None)


_HINT = "or run the hosts one after the other, or each in its own process (exchange dev, or a subprocess)"


def local_modules(folder: Path) -> set[str]:
    """The top-level modules and packages an app folder puts on ``sys.path`` (function_app.py aside: each host
    imports it under a name of its own)."""
    if not Path(folder).is_dir():
        return set()
    found = {p.stem for p in Path(folder).glob("*.py") if p.name != "function_app.py"}
    return found | {p.name for p in Path(folder).iterdir() if (p / "__init__.py").is_file()}


#: The claims on this process's os.environ. Process-wide on purpose: it mirrors os.environ, which is.
PROCESS_ENVIRONMENT = ProcessEnvironment()
