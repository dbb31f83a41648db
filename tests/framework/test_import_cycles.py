"""No import cycle through the database modules, counting every import (module level, function-local and
``TYPE_CHECKING``): a cycle hidden behind a local import is still a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import framework

ROOT = Path(framework.__file__).resolve().parent
#: The modules this test guards (issue 12.4: framework/db.py <-> framework/unit_of_work.py was one).
GUARDED = ("framework.db", "framework.unit_of_work", "framework.databases", "framework.schema", "framework.migrate")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("framework")}


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in ROOT.rglob("*.py") if "migrations" not in p.parts}
    return {name: {i for i in imports_of(path) if i in modules and i != name} for name, path in modules.items()}


def reaches(edges: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for nxt in edges.get(node, ()):
            if nxt == goal:
                return [*path, nxt]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_no_import_cycle_passes_through_the_database_modules() -> None:
    edges = graph()
    cycles = {name: reaches(edges, name, name) for name in GUARDED}
    assert {name: cycle for name, cycle in cycles.items() if cycle} == {}
