"""The demo workspace: the coffee-shop pipeline, generated with the same functions as ``exchange new``.

``exchange new customer coffee-shop`` and four ``exchange new processor`` calls make the workspace; the ``demo``
template then fills in the coffee-shop code (processor bodies, their tests, the order endpoint's response), as a
user would edit generated files. A folder made this way is recognised later and reused as it is. What this renders
is kept in exchange's cache (:mod:`~exchange_cli.demo.cache`): the next demo in a new folder is a copy of it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exchange_cli.demo import cache
from exchange_cli.scaffold import ScaffoldError, find_workspace, new_customer, new_processor
from exchange_cli.scaffold.generate import _git_init
from exchange_cli.scaffold.placement import placement
from exchange_cli.scaffold.render import render
from exchange_cli.scaffold.workspace import deployment_dir, is_workspace

CUSTOMER = "coffee-shop"
#: The file the demo template writes at the workspace root; its presence marks an earlier demo.
MARKER = "DEMO.md"
ORDER_QUEUE = "coffee-orders"
BARISTA_QUEUE = "barista-queue"
SPECIAL_SCHEDULE = "0/10 * * * * *"
#: ``exchange new processor`` arguments for each stage, in the order they are generated.
PROCESSORS: tuple[dict[str, Any], ...] = (
    {"processor": "orders", "trigger": "http", "output_queue": ORDER_QUEUE},
    {"processor": "coffee_order", "trigger": "queue", "input_queue": ORDER_QUEUE, "output_queue": BARISTA_QUEUE},
    {"processor": "barista", "trigger": "queue", "input_queue": BARISTA_QUEUE, "output_queue": ""},
    {"processor": "daily_special", "trigger": "timer", "schedule": SPECIAL_SCHEDULE, "output_queue": ORDER_QUEUE},
)


@dataclass(frozen=True)
class DemoWorkspace:
    """Where the demo lives."""

    #: The workspace root.
    root: Path
    #: The coffee-shop Functions app (``deployments/coffee-shop/azure``).
    deployment: Path
    #: True when this run generated it; False when an earlier demo was reused.
    created: bool
    #: True when it was copied from the cache and :func:`finish` has yet to stamp the answers and ``git init``.
    unfinished: bool = False


class DemoFolderError(ScaffoldError):
    """The folder cannot hold the demo."""


def is_demo(folder: Path) -> bool:
    """True when ``folder`` is a workspace that ``exchange demo`` made."""
    app = deployment_dir(folder, CUSTOMER) / "function_app.py"
    return (folder / MARKER).is_file() and app.is_file() and is_workspace(folder)


def prepare(folder: Path, *, http_port: int = 7071) -> DemoWorkspace:
    """The demo in ``folder``: reused if an earlier demo is there, else generated (``folder`` empty or new)."""
    demo = place(folder, http_port=http_port)
    finish(demo)
    return DemoWorkspace(demo.root, demo.deployment, demo.created)


def place(folder: Path, *, http_port: int = 7071) -> DemoWorkspace:
    """The demo's files in ``folder``: an earlier demo reused, else a copy of the cached render (``unfinished``:
    then call :func:`finish`, which may run while the host starts), else generated and cached."""
    folder = folder.resolve()
    if is_demo(folder):
        return DemoWorkspace(folder, deployment_dir(folder, CUSTOMER), created=False)
    _check_empty(folder)
    created_folder = not folder.exists()
    try:
        copied = cache.copy_cached(folder, http_port)
        if not copied:
            build(folder, http_port=http_port)
            cache.save(folder, http_port)
    except BaseException:  # half a demo is worth nothing: leave the folder as it was
        if created_folder:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return DemoWorkspace(folder, deployment_dir(folder, CUSTOMER), created=True, unfinished=copied)


def finish(demo: DemoWorkspace) -> None:
    """What a copied demo still needs to read as generated: answers files naming this user's template
    repositories and tags, and ``git init`` (as ``exchange new`` does for a new workspace)."""
    if demo.unfinished:
        cache.restamp(demo.root)
        _git_init(demo.root)


def build(folder: Path, *, http_port: int = 7071) -> None:
    """Generate the coffee-shop workspace in the empty folder ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    new_customer(folder, CUSTOMER)
    for stage in PROCESSORS:
        args = {key: value for key, value in stage.items() if key != "processor"}
        new_processor(folder, stage["processor"], customer=CUSTOMER, **args)
    with placement(folder) as place:
        scratch = place.scratch("demo")
        render("demo", scratch, {"customer": CUSTOMER, "http_port": http_port}, defaults=True)
        place.move_trees([scratch], force=True)  # the coffee-shop code replaces the generated examples


def _check_empty(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DemoFolderError(
            f"{folder} is not empty and is not an earlier demo.",
            hint="pass an empty or new folder: exchange demo ./coffee-demo",
        )
    outer = find_workspace(folder.parent)
    if outer is not None:
        raise DemoFolderError(
            f"{folder} is inside the exchange workspace {outer}; the demo makes a workspace of its own.",
            hint="run it in a folder outside any workspace, e.g. exchange demo /tmp/exchange-demo",
        )
