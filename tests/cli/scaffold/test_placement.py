"""Placement: generated files go into the workspace all together, or the workspace is left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange_cli.scaffold.errors import TargetExistsError
from exchange_cli.scaffold.placement import placement
from tests.cli.conftest import snapshot


def rendered_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_failure_after_files_were_placed_restores_the_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    rendered_tree(workspace, {"function_app.py": "original\n", "processors/__init__.py": ""})
    before = snapshot(workspace)

    with pytest.raises(RuntimeError, match="a later step failed"), placement(workspace) as place:
        tree = rendered_tree(place.scratch("processor"), {"processors/orders/processor.py": "x\n", "new/a.txt": "a"})
        place.move_trees([tree], force=False)
        place.write_text(Path("function_app.py"), "edited\n")
        assert (workspace / "processors" / "orders" / "processor.py").is_file()
        raise RuntimeError("a later step failed")

    assert snapshot(workspace) == before
    assert not (workspace / "new").exists()


def test_forced_files_are_restored_on_failure(tmp_path: Path) -> None:
    workspace = rendered_tree(tmp_path / "ws", {"host.json": "{}\n"})
    before = snapshot(workspace)

    with pytest.raises(KeyboardInterrupt), placement(workspace) as place:
        place.move_trees([rendered_tree(place.scratch("customer"), {"host.json": "new\n"})], force=True)
        assert (workspace / "host.json").read_text() == "new\n"
        raise KeyboardInterrupt  # Ctrl-C at a prompt of a later template

    assert snapshot(workspace) == before


def test_clashes_are_refused_before_any_file_moves(tmp_path: Path) -> None:
    workspace = rendered_tree(tmp_path / "ws", {"b.txt": "mine\n"})
    before = snapshot(workspace)

    with pytest.raises(TargetExistsError, match=r"1 file\(s\) exist already in .*: b.txt"), placement(workspace) as p:
        first = rendered_tree(p.scratch("one"), {"a.txt": "a"})
        second = rendered_tree(p.scratch("two"), {"b.txt": "b"})
        p.move_trees([first, second], force=False)

    assert snapshot(workspace) == before
