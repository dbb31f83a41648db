"""The pipeline drawn as text: each source (a queue nobody writes, a timer, an HTTP route) and what follows it."""

from __future__ import annotations

from rich.text import Text
from rich.tree import Tree

from exchange_cli.tui.stats import EdgeStats

Edge = tuple[str, str]
# single-width glyphs only: emoji are two cells wide in some terminals and break the tree's alignment
_ICONS = {"queue": "▤ queue", "fn": "ƒ", "timer": "timer", "http": "http", "blob": "blob", "file": "file"}


def node_label(node: str) -> Text:
    """``queue:orders`` -> ``▤ queue orders`` with a style per kind."""
    kind, _, name = node.partition(":")
    style = {"fn": "bold", "queue": "cyan"}.get(kind, "magenta")
    if kind == "queue" and name.endswith("-poison"):
        style = "bold red"
    if kind in ("timer", "http"):
        return Text(f"{_ICONS[kind]} → ", style="magenta") + Text(name, style="bold")
    return Text(f"{_ICONS.get(kind, kind)} ", style=style) + Text(name or "-", style=style)


def edge_label(stats: EdgeStats, now: float | None = None) -> Text:
    """``12 · 3.0/min · 1 err`` (or ``declared`` before any traffic)."""
    if stats.count == 0:
        return Text("declared, no traffic yet", style="dim")
    text = Text(f"{stats.count} · {stats.rate_per_min(now):.1f}/min", style="green")
    if stats.errors:
        text += Text(f" · {stats.errors} err", style="bold red")
    return text


def _sources(edges: dict[Edge, EdgeStats]) -> list[str]:
    targets = {t for _, t in edges}
    roots = sorted({s for s, _ in edges if s not in targets})
    # a cycle has no root: start it from its first node so nothing is left out
    leftovers = sorted({s for s, _ in edges} - set(roots))
    return roots + leftovers


def build(edges: dict[Edge, EdgeStats], highlight: set[Edge] | None = None, now: float | None = None) -> Tree:
    """The graph as a rich Tree: sources at the top, each edge as ``──▶ figures  target``."""
    outgoing: dict[str, list[str]] = {}
    for source, target in sorted(edges):
        outgoing.setdefault(source, []).append(target)
    tree = Tree(Text("pipeline", style="bold underline"), guide_style="dim")
    drawn: set[str] = set()

    def grow(branch: Tree, node: str) -> None:
        drawn.add(node)
        for target in outgoing.get(node, []):
            label = Text("──▶ ") + edge_label(edges[(node, target)], now) + Text("  ") + node_label(target)
            if highlight and (node, target) in highlight:
                label.stylize("reverse")
            child = branch.add(label)
            if target in drawn:
                child.label = Text.assemble(label, Text(" (above)", style="dim"))
            else:
                grow(child, target)

    for source in _sources(edges):
        if source not in drawn:
            grow(tree.add(node_label(source)), source)
    if not edges:
        tree.add(Text("no functions or traffic yet", style="dim"))
    return tree
