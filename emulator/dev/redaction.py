"""Keep secrets out of files: connection strings and database URLs without their keys and passwords.

What ``exchange dev`` writes for other terminals (``.exchange/dev.json``) holds the redacted forms; a reader gets
the real value back by finding a candidate (the environment, local.settings.json, Azurite's public development
key) whose redacted form is the same, so nothing secret ever needs to be on disk twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "<redacted>"
#: Connection-string keys whose values are credentials.
SECRET_KEYS = ("AccountKey", "SharedAccessSignature", "SharedAccessKey")
_SECRET_PAIR = re.compile(r"(?i)\b(" + "|".join(SECRET_KEYS) + r")=([^;]*)")
#: ``scheme://user:password@host`` (the password may hold anything but ``@``).
_URL_PASSWORD = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*):([^@]*)@")


def redact_connection_string(conn: str) -> str:
    """``conn`` with every key, SAS token and password replaced by ``<redacted>``."""
    return _SECRET_PAIR.sub(lambda m: f"{m.group(1)}={REDACTED}", conn)


def redact_url(url: str) -> str:
    """A database URL without its password (``postgresql://user:<redacted>@host/db``)."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{REDACTED}@", url)


def redact(value: str) -> str:
    """Either kind of secret-bearing string, redacted."""
    return redact_url(redact_connection_string(value))


def secrets_of(value: str) -> list[str]:
    """The secret parts of a connection string or URL (for tests and scrubbing)."""
    found = [m.group(2) for m in _SECRET_PAIR.finditer(value)]
    password = _URL_PASSWORD.match(value)
    return [s for s in [*found, password.group(2) if password else ""] if s and s != REDACTED]


def restore(redacted: str, candidates: Iterable[str | None]) -> str | None:
    """The first candidate whose redacted form is ``redacted`` (``redacted`` itself when it hides nothing)."""
    if REDACTED not in redacted:
        return redacted
    for candidate in candidates:
        if candidate and redact(candidate.strip()) == redacted:
            return candidate.strip()
    return None
