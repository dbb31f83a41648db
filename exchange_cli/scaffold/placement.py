"""Put generated files into a workspace all at once, or not at all.

Templates are rendered into a temporary folder first; :class:`Placement` then moves the files into place,
remembering what it created and what it replaced, so a failure at any later step (another render, the edit of
``function_app.py``) restores the workspace exactly as it was.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from exchange_cli.scaffold.errors import TargetExistsError


class Placement:
    """Files moved into ``root`` that can still be undone; use through :func:`placement`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        #: Workspace-relative paths of the files written, in order.
        self.written: list[Path] = []
        self._scratch = Path(tempfile.mkdtemp(prefix="exchange-place-"))
        self._created_dirs: list[Path] = []
        self._backups: list[tuple[Path, Path]] = []
        self._new_files: list[Path] = []

    def scratch(self, name: str) -> Path:
        """A fresh empty folder to render into; removed with the placement."""
        path = self._scratch / "render" / name
        path.mkdir(parents=True)
        return path

    def move_trees(self, rendered: list[Path], *, force: bool) -> None:
        """Move every file under each ``rendered`` folder to the same relative place under the root.

        Existing files are refused (all of them listed, before anything moves) unless ``force`` replaces them.
        """
        files = [(folder, p.relative_to(folder)) for folder in rendered for p in sorted(folder.rglob("*"))]
        files = [(folder, relative) for folder, relative in files if not (folder / relative).is_dir()]
        clashes = [relative for _, relative in files if (self.root / relative).exists()]
        if clashes and not force:
            raise TargetExistsError(
                f"{len(clashes)} file(s) exist already in {self.root}: {', '.join(map(str, clashes[:5]))}"
                + (" ..." if len(clashes) > 5 else ""),
                hint="choose another name, or pass --force to overwrite them",
            )
        for folder, relative in files:
            self._put(relative, functools.partial(shutil.move, folder / relative))

    def write_text(self, relative: Path, text: str) -> None:
        """Write one file of the root (atomically), keeping the old content for a rollback."""

        def write(target: Path) -> None:
            temporary = target.with_name(f".{target.name}.exchange-tmp")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, target)

        self._put(relative, write)

    def _put(self, relative: Path, put: Callable[[Path], object]) -> None:
        target = self.root / relative
        self._make_parents(target.parent)
        if target.exists():
            backup = self._scratch / "backup" / str(len(self._backups))
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, backup)
            self._backups.append((target, backup))
        else:
            self._new_files.append(target)
        put(target)
        self.written.append(relative)

    def _make_parents(self, folder: Path) -> None:
        missing = [d for d in (folder, *folder.parents) if not d.exists()]
        if missing:
            self._created_dirs.append(missing[-1])  # the topmost folder that did not exist
            folder.mkdir(parents=True)

    def rollback(self) -> None:
        """Put the root back as it was before this placement."""
        for target, backup in reversed(self._backups):
            shutil.copy2(backup, target)
        for target in reversed(self._new_files):
            target.unlink(missing_ok=True)
        for folder in reversed(self._created_dirs):
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        """Remove the scratch space."""
        shutil.rmtree(self._scratch, ignore_errors=True)


@contextmanager
def placement(root: Path) -> Iterator[Placement]:
    """A :class:`Placement` into ``root`` that is rolled back if the block raises (or is interrupted)."""
    place = Placement(root)
    try:
        yield place
    except BaseException:
        place.rollback()
        raise
    finally:
        place.close()
