"""``exchange tui``: what it attaches to, and what it says when there is nothing to watch."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from emulator.journal.store import Journal
from exchange_cli.main import cli
from exchange_cli.tui.target import resolve


def test_without_a_host_or_a_journal_it_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["tui", str(tmp_path)])

    assert result.exit_code == 1
    assert result.output == (
        f"Error: No `exchange dev` is running for {tmp_path}, and it has no journal "
        f"({tmp_path / '.exchange' / 'journal.db'}).\n"
        "Hint: start `exchange dev` in the deployment folder first, or pass the deployment folder\n"
    )


def test_a_stopped_deployment_is_watched_from_its_journal_and_database(tmp_path: Path) -> None:
    Journal(tmp_path / ".exchange" / "journal.db").close()
    (tmp_path / ".exchange" / "exchange.db").touch()

    target = resolve(tmp_path)

    assert (target.host, target.storage) == (None, None)
    assert target.journal_path == tmp_path / ".exchange" / "journal.db"
    assert target.database_url == f"sqlite:///{tmp_path / '.exchange' / 'exchange.db'}"
