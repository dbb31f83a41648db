"""Checks on the names a user gives, made before anything is written."""

from __future__ import annotations

import keyword
import re

from exchange_cli.scaffold.errors import InvalidNameError

#: Customers name a folder, a tenant and a queue-name prefix: lowercase, digits, single hyphens.
_CUSTOMER = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
#: Processors name a Python package: snake_case.
_PROCESSOR = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MAX_CUSTOMER = 40
MAX_PROCESSOR = 30
#: Names a processor package cannot take without shadowing what a deployment imports.
_RESERVED = {"framework", "functions", "function_app", "processors", "tests", "azure", "test", "app"}


def _path_problem(name: str) -> str | None:
    if not name:
        return "is empty"
    if "/" in name or "\\" in name or name in {".", ".."} or ".." in name:
        return "is a path, not a name"
    return None


def validate_customer(name: str) -> str:
    """Return ``name`` if it can name a customer deployment, else raise :class:`InvalidNameError`."""
    problem = _path_problem(name)
    if problem is None and (len(name) > MAX_CUSTOMER or not _CUSTOMER.match(name)):
        problem = "is not a valid customer name"
    if problem:
        raise InvalidNameError(
            f"Customer name {name!r} {problem}.",
            hint=f"use 1-{MAX_CUSTOMER} lowercase letters, digits and single hyphens, starting with a letter "
            "(e.g. acme or acme-eu); it names the folder, the tenant and the queue prefix",
        )
    return name


def validate_processor(name: str) -> str:
    """Return ``name`` if it can name a processor package, else raise :class:`InvalidNameError`."""
    problem = _path_problem(name)
    if problem is None and (len(name) > MAX_PROCESSOR or not _PROCESSOR.match(name) or keyword.iskeyword(name)):
        problem = "is not a valid processor name"
    if problem is None and name in _RESERVED:
        problem = "is reserved (a deployment imports a module of that name)"
    if problem:
        raise InvalidNameError(
            f"Processor name {name!r} {problem}.",
            hint=f"use a snake_case Python identifier of 1-{MAX_PROCESSOR} characters (e.g. orders or "
            f"order_details), not a keyword nor one of {', '.join(sorted(_RESERVED))}",
        )
    return name


def validate_queue(name: str, flag: str) -> str:
    """Return ``name`` if Azure Storage accepts it as a queue name; the error names the ``flag`` it came from."""
    from framework.queues import InvalidQueueNameError, validate_queue_name

    try:
        return validate_queue_name(name)
    except InvalidQueueNameError as error:
        raise InvalidNameError(f"{flag}: invalid queue name {name!r}.", hint=error.hint) from error


def validate_schedule(schedule: str) -> str:
    """Return ``schedule`` if it is a six-field NCRONTAB expression (seconds first), as the Functions host reads."""
    from croniter import croniter

    fields = schedule.split()
    if len(fields) != 6 or not croniter.is_valid(schedule, second_at_beginning=True):
        raise InvalidNameError(
            f"--schedule: {schedule!r} is not a six-field NCRONTAB schedule.",
            hint='use "second minute hour day month weekday", e.g. "0 */5 * * * *" for every five minutes',
        )
    return schedule
