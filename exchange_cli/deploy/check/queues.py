"""Queue names the app uses are valid for Azure Storage, and so are the ``-poison`` queues the host makes of them.

Azure's rule: 3-63 characters, lowercase letters, digits and single hyphens, starting and ending with a letter or
digit. Azurite accepts more, so a name that works locally can fail on Azure.
"""

from __future__ import annotations

import re

from exchange_cli.deploy.check.subject import Subject
from exchange_cli.deploy.findings import Finding

CHECK = "queue names"
VALID = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$")
POISON_SUFFIX = "-poison"


def valid(name: str) -> bool:
    """True when Azure Storage accepts ``name`` as a queue name."""
    return 3 <= len(name) <= 63 and VALID.match(name) is not None


def findings(subject: Subject) -> list[Finding]:
    """An error per invalid queue name in a binding (``%SETTING%`` names resolved from the declared settings)."""
    result = []
    for function in subject.functions:
        for binding in function.bindings:
            raw = binding.get("queueName")
            if not isinstance(raw, str) or binding.get("type") not in ("queueTrigger", "queue"):
                continue
            name = _resolve(raw, subject.settings or {})
            if name is None:
                continue  # an undeclared %SETTING%: the app settings check reports it
            where = f"{function.name}'s {binding.get('type')} binding"
            if not valid(name):
                result.append(
                    Finding(
                        CHECK,
                        "queue-name",
                        "error",
                        f"Queue name {name!r} of {where} is not valid on Azure Storage.",
                        "use 3-63 lowercase letters, digits and single hyphens, "
                        "starting and ending with a letter or digit",
                        function.file,
                        function.line,
                    )
                )
            elif binding.get("type") == "queueTrigger" and len(name) + len(POISON_SUFFIX) > 63:
                result.append(
                    Finding(
                        CHECK,
                        "poison-queue-name",
                        "error",
                        f"Queue {name!r} of {where} is too long for its poison queue "
                        f"{name}{POISON_SUFFIX} (63 characters at most).",
                        f"shorten the queue name to {63 - len(POISON_SUFFIX)} characters or fewer",
                        function.file,
                        function.line,
                    )
                )
    return result


def _resolve(raw: str, settings: dict[str, str]) -> str | None:
    """``raw`` with each ``%NAME%`` replaced by its setting; None when a setting is not declared."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        if match.group(1) not in settings:
            missing = True
        return settings.get(match.group(1), "")

    resolved = re.sub(r"%([^%]+)%", value, raw)
    return None if missing else resolved
