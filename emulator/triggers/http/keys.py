"""Function keys, as the Functions host keeps them: a master key, a host key, one default key per function.

Keys are generated once per deployment and kept in ``.exchange/keys.json`` (so a URL with ``?code=`` keeps
working across restarts): a secret, so the file is 0600 in a 0700 folder, and the host never prints it
(``exchange keys --show`` does, on request). A request carries its key in ``?code=`` or the ``x-functions-key``
header. The rules: ``anonymous`` needs no key; ``function`` takes the function's key, the host key or the master
key; ``admin`` (and the admin endpoints) take only the master key. Locally they are enforced only when asked, as with
Core Tools.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterable, Iterator
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


def keys_path(deployment_dir: Path) -> Path:
    """Where a deployment's keys are kept."""
    return deployment_dir / ".exchange" / "keys.json"


def load_keys(path: Path, functions: Iterable[str]) -> FunctionKeys:
    """The deployment's keys, generating (and saving) whatever is missing.

    Several workers start at once: the read-modify-write holds a lock, so they all end up with the same keys.
    """
    secure_folder(path.parent)
    with _locked(path):
        keys = read_keys(path) if path.exists() else FunctionKeys()
        missing = [name for name in functions if name not in keys.functions]
        for name in missing:
            keys.functions[name] = _new_key()
        if missing or not path.exists():
            write_private(path, json.dumps(keys.to_dict(), indent=2))
        else:
            path.chmod(0o600)  # a keys.json written by an older exchange (or by hand) was world-readable
    return keys


def read_keys(path: Path) -> FunctionKeys:
    """Read an existing keys.json; a damaged one is a :class:`ConfigurationError` naming it."""
    try:
        return FunctionKeys.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ConfigurationError(
            f"function keys file {path} is damaged ({error})", hint="delete it; new keys are generated at start"
        ) from error


def secure_folder(folder: Path) -> None:
    """Create ``folder`` (and parents) and make it 0700: it holds secrets."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as a 0600 file, atomically (created 0600: never readable by others, even briefly)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def deployment_keys(deployment_dir: Path) -> FunctionKeys:
    """The keys ``exchange dev --enable-auth`` generated for ``deployment_dir``; a clear error when there are none."""
    path = keys_path(deployment_dir)
    if not path.exists():
        raise ConfigurationError(
            f"{deployment_dir} has no function keys yet ({path} does not exist)",
            hint="run `exchange dev --enable-auth` once in that folder: it generates the keys",
        )
    return read_keys(path)


def auth_level(settings: dict[str, Any], *, function: str = "?") -> str:
    """The trigger's ``authLevel`` in lower case (the decorator writes ``FUNCTION`` or ``function``)."""
    level = str(settings.get("authLevel") or "function").lower()
    if level not in AUTH_LEVELS:
        raise ConfigurationError(
            f"function {function!r}: unknown authLevel {level!r}", hint="use anonymous, function or admin"
        )
    return level
