"""Shared test set-up: the exchange pytest plugin (installed as an entry point) provides the fixtures.

Test lanes are set here, from what a test uses, so nobody has to remember to mark a test:

- ``azurite``: the test (or a fixture it uses) needs the session's Azurite;
- ``subprocess``: it starts processes other than ``git`` (``exchange dev``, workers, Azurite, a fresh interpreter, a
  fork, a ``multiprocessing`` child) — modules that do mark themselves ``pytestmark = pytest.mark.subprocess``, and
  the fast lane proves they did: a test selected with ``-m unit`` that starts such a process fails, naming it;
- ``unit``: everything else, the fast lane (``pytest -m unit``).
- ``slow`` tests (load, soak) run only when asked for with ``-m slow``.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Bytecode is cached for the test session even where PYTHONDONTWRITEBYTECODE=1 is set (these machines and their
# CI set it): otherwise every test process, and every `exchange` process a test starts, compiles the project and
# pytest rewrites every test module again, from source (~2 s of CPU a process, measured). The files go where
# Python puts them by default, in git-ignored __pycache__ folders.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

#: Processes a unit test may start, each costing milliseconds: git serves copier its templates; ``file`` is what
#: importing croniter runs (``platform.architecture()``) and ``uname`` what importing plumbum (copier's git) runs
#: (``platform.uname()``), each once per interpreter, in whichever test imports it first.
_CHEAP_PROCESSES = {"git", "file", "uname"}
_started: list[str] = []
#: Fixtures that reach the session's Azurite (``storage_connection_string`` asks for it at run time).
_AZURITE_FIXTURES = {"azurite", "storage_connection_string", "storage_env", "queue_reader"}


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection left (modules, classes, test items: ~60,000 objects alive for the whole session)
    out of the garbage collector's way: every full collection walked them all again, and the TUI tests' Textual
    caches make many (measured: the fast lane 22-28 s instead of 28-31 s, 5-8 s less CPU). What tests create
    later is collected as before."""
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its lane; skip ``slow`` tests unless ``-m slow`` asks for them."""
    run_slow = "slow" in (config.getoption("markexpr") or "")
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if _AZURITE_FIXTURES & set(getattr(item, "fixturenames", ())) and "azurite" not in item.keywords:
            item.add_marker(pytest.mark.azurite)
        if not any(lane in item.keywords for lane in ("azurite", "subprocess")):
            item.add_marker(pytest.mark.unit)
        if "slow" in item.keywords and not run_slow:
            item.add_marker(skip)


#: Audit events that start a process, and how to name it: Popen and posix_spawn carry the executable; a fork or
#: ``os.system`` runs this interpreter's code or a shell.
_PROCESS_EVENTS = {"subprocess.Popen", "os.posix_spawn", "os.fork", "os.forkpty", "os.system"}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """Remember every process started (Python's audit events: no patching of subprocess or os)."""
    if event not in _PROCESS_EVENTS:
        return
    if event in ("os.fork", "os.forkpty"):
        _started.append(event)
        return
    if event == "os.system":
        _started.append(f"os.system({os.fsdecode(args[0])!r})")
        return
    executable, argv = args[0], args[1]
    if not executable:
        executable = argv.split()[0] if isinstance(argv, str) else next(iter(argv), "?")
    _started.append(Path(os.fsdecode(executable)).name)


def _multiprocessing_children() -> int:
    """How many ``multiprocessing`` processes this interpreter has made so far.

    The ``spawn`` and ``forkserver`` start methods launch their child through ``_posixsubprocess.fork_exec``,
    which raises no audit event, so the fast lane reads multiprocessing's own counter (``count(n)`` numbers the
    next process) instead; reading its repr does not advance it.
    """
    process = sys.modules.get("multiprocessing.process")
    counter = getattr(process, "_process_counter", None)
    if counter is None:
        return 0
    return int(repr(counter).removeprefix("count(").removesuffix(")")) - 1


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def _unit_tests_start_no_processes(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test in the fast lane must not start processes: if it does, it belongs in the ``subprocess`` lane."""
    del _started[:]
    children = _multiprocessing_children()
    yield
    if "unit" not in request.node.keywords:
        return
    heavy = sorted({name for name in _started if name not in _CHEAP_PROCESSES})
    made = _multiprocessing_children() - children
    heavy += [f"{made} multiprocessing process(es)"] if made else []
    if heavy:
        pytest.fail(
            f"{request.node.nodeid} is in the unit lane but started {', '.join(heavy)}: "
            "add `pytestmark = pytest.mark.subprocess` to its module (or use a fixture that starts Azurite)",
            pytrace=False,
        )
