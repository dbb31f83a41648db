"""ASP.NET Core route constraints (``{id:int}``, ``{name:minlength(3)}``, ...), as HTTP trigger routes use them.

Each constraint name maps to a factory that takes the constraint's arguments (the text between the parentheses)
and returns a predicate on the URL segment's decoded value. A value that fails any constraint makes the route not
match, so the request ends as 404, as on Azure. An unknown constraint is a configuration error found at start.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from datetime import datetime

Check = Callable[[str], bool]

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def _integer(bounds: tuple[int, int]) -> Check:
    return lambda value: bool(_INTEGER.fullmatch(value)) and bounds[0] <= int(value) <= bounds[1]


def _float(value: str) -> bool:
    return bool(_FLOAT.fullmatch(value)) and math.isfinite(float(value))


def _guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _numbers(args: str, count: tuple[int, ...]) -> list[int]:
    parts = [part.strip() for part in args.split(",")] if args.strip() else []
    if len(parts) not in count or not all(_INTEGER.fullmatch(p) for p in parts):
        raise ValueError(f"expects {' or '.join(str(c) for c in count)} whole number(s), got ({args})")
    return [int(p) for p in parts]


def _length(args: str) -> Check:
    numbers = _numbers(args, (1, 2))
    low, high = (numbers[0], numbers[0]) if len(numbers) == 1 else (numbers[0], numbers[1])
    return lambda value: low <= len(value) <= high


def _bounded(args: str, which: str) -> Check:
    numbers = _numbers(args, (2,) if which == "range" else (1,))
    low = numbers[0] if which in ("min", "range") else _INT64[0]
    high = numbers[-1] if which in ("max", "range") else _INT64[1]
    return lambda value: bool(_INTEGER.fullmatch(value)) and low <= int(value) <= high


def _regex(args: str) -> Check:
    # ASP.NET: culture-invariant, case-insensitive, not anchored (templates add ^ and $ themselves).
    pattern = re.compile(args, re.IGNORECASE)
    return lambda value: pattern.search(value) is not None


def _plain(check: Check) -> Callable[[str], Check]:
    def factory(args: str) -> Check:
        if args:
            raise ValueError("takes no arguments")
        return check

    return factory


FACTORIES: dict[str, Callable[[str], Check]] = {
    "int": _plain(_integer(_INT32)),
    "long": _plain(_integer(_INT64)),
    "bool": _plain(lambda value: value.lower() in ("true", "false")),
    "alpha": _plain(lambda value: bool(re.fullmatch(r"[a-zA-Z]+", value))),
    "guid": _plain(_guid),
    "datetime": _plain(_datetime),
    "decimal": _plain(lambda value: bool(_DECIMAL.fullmatch(value))),
    "double": _plain(_float),
    "float": _plain(_float),
    "minlength": lambda args: (lambda n: lambda value: len(value) >= n)(_numbers(args, (1,))[0]),
    "maxlength": lambda args: (lambda n: lambda value: len(value) <= n)(_numbers(args, (1,))[0]),
    "length": _length,
    "min": lambda args: _bounded(args, "min"),
    "max": lambda args: _bounded(args, "max"),
    "range": lambda args: _bounded(args, "range"),
    "regex": _regex,
}


def make_constraint(spec: str) -> Check:
    """Build the check for one constraint such as ``int`` or ``range(1,10)``; ValueError says what is wrong."""
    name, paren, rest = spec.partition("(")
    if paren and not rest.endswith(")"):
        raise ValueError(f"constraint {spec!r} misses its closing parenthesis")
    factory = FACTORIES.get(name.strip().lower())
    if factory is None:
        known = ", ".join(sorted(FACTORIES))
        raise ValueError(f"unknown route constraint {name!r} (the emulator knows: {known})")
    try:
        return factory(rest[:-1] if paren else "")
    except (ValueError, re.error) as error:
        raise ValueError(f"route constraint {spec!r} {error}") from None
