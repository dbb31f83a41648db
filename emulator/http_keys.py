"""Function keys, as the Functions host keeps them: a master key, a host key, one default key per function.

Keys are generated once per deployment and kept in ``.exchange/keys.json`` (so a URL with ``?code=`` keeps
working across restarts). A request carries its key in ``?code=`` or the ``x-functions-key`` header. The rules:
``anonymous`` needs no key; ``function`` takes the function's key, the host key or the master key; ``admin``
(and the admin endpoints) take only the master key. Locally they are enforced only when asked, as with Core Tools.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framework.errors import ConfigurationError

AUTH_LEVELS = ("anonymous", "function", "admin")


def _new_key() -> str:
    return secrets.token_urlsafe(40)


@dataclass
class FunctionKeys:
    """The keys of one deployment."""

    #: Opens every function and the admin endpoints.
    master: str = field(default_factory=_new_key)
    #: The host's ``default`` key: opens every function-level function.
    host: str = field(default_factory=_new_key)
    #: Each function's ``default`` key.
    functions: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The keys.json form."""
        return {"masterKey": self.master, "hostKeys": {"default": self.host}, "functionKeys": dict(self.functions)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FunctionKeys:
        """Read the keys.json form."""
        return cls(data["masterKey"], data["hostKeys"]["default"], dict(data.get("functionKeys", {})))

    def allows(self, level: str, function: str | None, key: str | None) -> bool:
        """Whether ``key`` opens a resource at auth ``level`` (``function`` None for the admin endpoints)."""
        if level == "anonymous":
            return True
        if not key:
            return False
        accepted = [self.master]
        if level == "function":
            accepted += [self.host] + ([self.functions[function]] if function in self.functions else [])
        return any(secrets.compare_digest(key, candidate) for candidate in accepted)


def load_keys(path: Path, functions: Iterable[str]) -> FunctionKeys:
    """The deployment's keys, generating (and saving) whatever is missing."""
    keys = FunctionKeys()
    if path.exists():
        try:
            keys = FunctionKeys.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as error:
            raise ConfigurationError(
                f"function keys file {path} is damaged ({error})", hint="delete it; new keys are generated at start"
            ) from error
    missing = [name for name in functions if name not in keys.functions]
    for name in missing:
        keys.functions[name] = _new_key()
    if missing or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(keys.to_dict(), indent=2), encoding="utf-8")
    return keys


def auth_level(settings: dict[str, Any], *, function: str = "?") -> str:
    """The trigger's ``authLevel`` in lower case (the decorator writes ``FUNCTION`` or ``function``)."""
    level = str(settings.get("authLevel") or "function").lower()
    if level not in AUTH_LEVELS:
        raise ConfigurationError(
            f"function {function!r}: unknown authLevel {level!r}", hint="use anonymous, function or admin"
        )
    return level
