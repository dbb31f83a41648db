"""HTTP trigger routes: ASP.NET-style templates (``orders/{id:int}``, ``{id?}``, ``{*rest}``) and the route table.

A template is compiled to one regular expression (literals match case-insensitively, as in ASP.NET), and the
captured values are then checked against their constraints. The table orders routes as ASP.NET does (literal
segments before parameters, constrained parameters before free ones, catch-alls last), so ``orders/new`` wins over
``orders/{id}``. A request whose path matches but whose method is not listed matches nothing: the Functions host
answers such a request with 404, not 405 (Azure/azure-functions-host#10098, #11625).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from emulator.triggers.http.constraints import Check, make_constraint
from framework.errors import ConfigurationError


class RouteError(ConfigurationError):
    """An HTTP trigger's route template cannot be used."""


@dataclass(frozen=True)
class Parameter:
    """One ``{...}`` in a route template."""

    #: The route parameter name (key in ``req.route_params``).
    name: str
    #: The checks its value must pass.
    checks: tuple[Check, ...] = ()
    #: ``{id?}``: the segment may be absent.
    optional: bool = False
    #: ``{*rest}``: takes the rest of the path, slashes included.
    catch_all: bool = False
    #: ``{id=5}``: the value when the segment is absent.
    default: str | None = None


@dataclass(frozen=True)
class RouteTemplate:
    """A compiled route template."""

    #: The template as written (route prefix included).
    text: str
    pattern: re.Pattern[str]
    parameters: tuple[Parameter, ...]
    #: ASP.NET precedence: smaller sorts first.
    precedence: tuple[int, ...]

    def match(self, path: str) -> dict[str, str] | None:
        """The route parameters if ``path`` (decoded, without query) matches, else None."""
        found = self.pattern.fullmatch(path.strip("/"))
        if not found:
            return None
        params: dict[str, str] = {}
        for index, parameter in enumerate(self.parameters):
            value = found.group(f"p{index}")
            if value is None or value == "":
                if parameter.default is not None:
                    params[parameter.name] = parameter.default
                continue
            if not all(check(value) for check in parameter.checks):
                return None
            params[parameter.name] = value
        return params


def parse_template(text: str, *, function: str = "?") -> RouteTemplate:
    """Compile a route template; a bad template or an unknown constraint raises :class:`RouteError`."""
    try:
        return _compile(text.strip("/"))
    except ValueError as error:
        raise RouteError(
            f"function {function!r}: route {text!r}: {error}",
            hint="see the ASP.NET route template syntax: 'orders/{id:int}', 'items/{name?}', 'files/{*path}'",
        ) from None


def _compile(text: str) -> RouteTemplate:
    parameters: list[Parameter] = []
    regex, precedence = "", []
    segments = text.split("/") if text else []
    for position, segment in enumerate(segments):
        if segment in (".", ".."):
            raise ValueError(
                f"a {segment!r} segment can never be called: clients and servers resolve it away before routing"
            )
        parts = _split_segment(segment)
        before = len(parameters)
        body = "".join(
            _part_regex(part, parameters) if isinstance(part, Parameter) else re.escape(part) for part in parts
        )
        added = parameters[before:]
        if any(p.catch_all for p in added) and position != len(segments) - 1:
            raise ValueError("a catch-all parameter {*name} must be the last segment")
        precedence.append(_segment_rank(parts))
        whole_optional = len(parts) == 1 and isinstance(parts[0], Parameter) and _skippable(parts[0])
        separator = "/" if position else ""
        regex += f"(?:{separator}{body})?" if whole_optional else f"{separator}{body}"
    if regex.startswith("(?:/"):  # ASP.NET templates never start with a slash
        regex = "(?:" + regex[4:]
    return RouteTemplate(text, re.compile(regex, re.IGNORECASE), tuple(parameters), tuple(precedence))


def _skippable(parameter: Parameter) -> bool:
    return parameter.optional or parameter.catch_all or parameter.default is not None


def _part_regex(parameter: Parameter, parameters: list[Parameter]) -> str:
    group = f"p{len(parameters)}"
    if any(p.name.lower() == parameter.name.lower() for p in parameters):
        raise ValueError(f"parameter {parameter.name!r} appears twice")
    parameters.append(parameter)
    return f"(?P<{group}>.*)" if parameter.catch_all else f"(?P<{group}>[^/]+)"


def _segment_rank(parts: list[str | Parameter]) -> int:
    if all(isinstance(part, str) for part in parts):
        return 1
    if any(isinstance(part, Parameter) and part.catch_all for part in parts):
        return 5
    if len(parts) > 1:
        return 2
    return 3 if parts[0].checks else 4  # type: ignore[union-attr]


def _split_segment(segment: str) -> list[str | Parameter]:
    """Split one path segment into literal text and parameters; ``{{`` and ``}}`` are literal braces."""
    parts: list[str | Parameter] = []
    literal, index = "", 0
    while index < len(segment):
        char = segment[index]
        if segment.startswith(("{{", "}}"), index):
            literal, index = literal + char, index + 2
        elif char == "{":
            if literal:
                parts.append(literal)
            end = _closing_brace(segment, index)
            parts.append(_parameter(segment[index + 1 : end].replace("{{", "{").replace("}}", "}")))
            literal, index = "", end + 1
        elif char == "}":
            raise ValueError(f"unmatched '}}' in segment {segment!r}")
        else:
            literal, index = literal + char, index + 1
    if literal:
        parts.append(literal)
    if not parts:
        raise ValueError("empty segment ('//')")
    if sum(isinstance(part, Parameter) for part in parts) > 1 and any(
        isinstance(part, Parameter) and part.catch_all for part in parts
    ):
        raise ValueError(f"segment {segment!r} mixes a catch-all with other parameters")
    return parts


def _closing_brace(segment: str, start: int) -> int:
    depth, index = 0, start + 1
    while index < len(segment):
        char = segment[index]
        if segment.startswith(("{{", "}}"), index) and depth:
            index += 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "}" and depth == 0:
            return index
        index += 1
    raise ValueError(f"unmatched '{{' in segment {segment!r}")


def _parameter(spec: str) -> Parameter:
    catch_all = spec.startswith("*")
    spec = spec.lstrip("*")
    pieces, default = _split_constraints(spec)
    optional = pieces[-1].endswith("?")
    pieces[-1] = pieces[-1].removesuffix("?")
    name = pieces[0]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-.]*", name):
        raise ValueError(f"{{{spec}}} has no valid parameter name")
    checks = tuple(make_constraint(piece) for piece in pieces[1:])
    return Parameter(name, checks, optional=optional, catch_all=catch_all, default=default)


def _split_constraints(spec: str) -> tuple[list[str], str | None]:
    """``name:c1:c2(x)=default`` -> (["name", "c1", "c2(x)"], "default"); colons in parentheses stay."""
    pieces: list[str] = []
    current, depth = "", 0
    for index, char in enumerate(spec):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "=" and depth == 0:
            return [*pieces, current], spec[index + 1 :]
        if char == ":" and depth == 0:
            pieces.append(current)
            current = ""
        else:
            current += char
    return [*pieces, current], None


@dataclass(frozen=True)
class Route:
    """One HTTP function's place in the table."""

    #: The function name.
    function: str
    template: RouteTemplate
    #: Upper-case methods; empty means every method.
    methods: frozenset[str] = field(default_factory=frozenset)

    def allows(self, method: str) -> bool:
        """True when the function answers ``method``."""
        return not self.methods or method.upper() in self.methods


class RouteTable:
    """Every HTTP function's route, in ASP.NET precedence order."""

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._routes = sorted(routes, key=lambda route: route.template.precedence)

    def add(self, route: Route) -> None:
        """Add one route, keeping precedence order."""
        self._routes = sorted([*self._routes, route], key=lambda r: r.template.precedence)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route answering ``method path`` and its parameters; None means 404 (also for a wrong method)."""
        for route in self._routes:
            if not route.allows(method):
                continue
            params = route.template.match(path)
            if params is not None:
                return route, params
        return None

    def __iter__(self) -> Iterator[Route]:
        return iter(self._routes)
