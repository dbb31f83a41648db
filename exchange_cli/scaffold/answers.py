"""Template answers are data: each one is checked for its kind before copier renders anything.

The templates also escape every free-text answer for the file it lands in (``tojson`` gives a literal that is
valid Python, JSON and TOML), so these checks are the first of two walls, not the only one. An answer to a
question the template does not ask is refused too, rather than silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from exchange_cli.scaffold.errors import InvalidNameError

Check = Callable[[str, Any], str | None]


def _pattern(regex: str, what: str) -> Check:
    compiled = re.compile(regex)

    def check(_key: str, value: Any) -> str | None:
        return None if isinstance(value, str) and compiled.fullmatch(value) else what

    return check


def _int_range(low: int, high: int) -> Check:
    def check(_key: str, value: Any) -> str | None:
        text = str(value).strip()
        ok = isinstance(value, int) or (isinstance(value, str) and text.isdigit())
        return None if ok and low <= int(text) <= high else f"a whole number from {low} to {high}"

    return check


def _queue(_key: str, value: Any) -> str | None:
    from framework.queues import InvalidQueueNameError, validate_queue_name

    if value == "":
        return None  # "no output queue": the chain ends here
    try:
        validate_queue_name(str(value))
    except InvalidQueueNameError:
        return "a queue name: 3-63 lowercase letters, digits and single hyphens, starting and ending with one"
    return None if isinstance(value, str) else "a queue name"


def _schedule(_key: str, value: Any) -> str | None:
    what = 'six NCRONTAB fields, seconds first, e.g. "0 */5 * * * *"'
    if not isinstance(value, str) or not re.fullmatch(r"[0-9A-Za-z*/,?#-]+(?: [0-9A-Za-z*/,?#-]+){5}", value):
        return what
    from croniter import croniter

    return None if croniter.is_valid(value, second_at_beginning=True) else what


def _choice(*options: str) -> Check:
    return lambda _key, value: None if value in options else "one of " + ", ".join(options)


_CUSTOMER = _pattern(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", "1-40 lowercase letters, digits and single hyphens")
_SNAKE = _pattern(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", "a snake_case Python identifier")
_CLASS = _pattern(r"[A-Z][A-Za-z0-9]{0,63}", "a CamelCase class-name prefix")
_TENANT = _pattern(
    r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
)
_TYPE = _pattern(r"[A-Za-z][A-Za-z0-9._-]{0,63}", "1-64 letters, digits, '.', '_' or '-', starting with a letter")
_ROUTE = _pattern(r"[A-Za-z0-9_/{}-]{1,200}", "a route: letters, digits, '-', '_', '/' and {parameters}")
_TIMESPAN = _pattern(r"[0-9][0-9]:[0-5][0-9]:[0-5][0-9]", "hh:mm:ss, e.g. 00:00:30")
_PROJECT = _pattern(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*", "lowercase letters, digits, single '-' or '_'")
_VERSION = _pattern(r"[0-9]+(?:\.[0-9]+)*(?:(?:a|b|rc|\.post|\.dev)[0-9]+)*(?:\+[a-z0-9.]+)?", "a version like 0.1.0")
_TRIGGER = _choice("queue", "timer", "http")

#: template -> question -> check. Every question of templates/*/copier.yml is here (a test keeps it so).
KINDS: dict[str, dict[str, Check]] = {
    "workspace": {"project_name": _PROJECT, "exchange_version": _VERSION},
    "customer": {
        "customer": _CUSTOMER,
        "tenant_id": _TENANT,
        "queue_batch_size": _int_range(1, 32),
        "visibility_timeout": _TIMESPAN,
    },
    "processor": {"name": _SNAKE, "class_prefix": _CLASS, "trigger": _TRIGGER, "canonical_type": _TYPE},
    "wiring": {
        "customer": _CUSTOMER,
        "processor": _SNAKE,
        "class_prefix": _CLASS,
        "tenant_id": _TENANT,
        "trigger": _TRIGGER,
        "input_queue": _queue,
        "output_queue": _queue,
        "schedule": _schedule,
        "route": _ROUTE,
    },
    "demo": {"customer": _CUSTOMER, "http_port": _int_range(1, 65535)},
}


def check_answers(data: dict[str, Any], *templates: str) -> dict[str, Any]:
    """Return ``data`` when every answer is a question of one of ``templates`` and fits its kind.

    Raises :class:`InvalidNameError` naming the answer and the kind it must have; nothing has been written then.
    """
    kinds = {key: check for template in templates for key, check in KINDS[template].items()}
    for key, value in data.items():
        check = kinds.get(key)
        problem = check(key, value) if check else f"the answer to a question here ({', '.join(kinds)})"
        if problem is not None:
            raise InvalidNameError(
                f"--data {key}={value!r} is refused: it must be {problem}.",
                hint="fix the value given with --data and run again",
            )
    return data
