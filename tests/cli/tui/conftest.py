"""Fixtures for the TUI tests: a real journal file and a target pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.journal.store import Journal
from exchange_cli.tui.target import TuiTarget

#: A fixed folder name, so that snapshots do not show the test's temporary path.
SHOWN_DEPLOYMENT = Path("/work/demo/deployments/acme/azure")


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    """A real journal file (closed at the end); entries carry fixed 2026-01-05 times, kept despite pruning."""
    j = Journal(tmp_path / ".exchange" / "journal.db", keep_days=100_000)  # keep the fixed, old timestamps
    try:
        yield j
    finally:
        j.close()


@pytest.fixture
def target(journal: Journal) -> TuiTarget:
    """A target with the journal only: no host, no storage, no database."""
    return TuiTarget(SHOWN_DEPLOYMENT, journal.path)
