"""``python -m framework.migrate upgrade|current|history``: the framework's migrations without the exchange CLI.

For a release pipeline or an Azure console, where only the packaged app (and its requirements) is installed. The
database is ``--database-url``, else ``DATABASE_URL``; nothing else is read. Exit status 0 on success, 1 with one
line on standard error for a problem the user can fix.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from framework.errors import ExchangeError


def describe_upgrade(url: str | None, revision: str = "head") -> str:
    """Upgrade the database of ``url`` (default ``DATABASE_URL``) to ``revision``; one line saying what happened."""
    from framework.db import Database
    from framework.migrations import BASELINE
    from framework.schema import upgrade

    database = Database(url)
    try:
        result = upgrade(database.engine, revision)
    finally:
        database.dispose()
    before = result.before.describe()
    after = ", ".join(result.after) or "none"
    if result.adopted:
        return f"{database.safe_url}: adopted the create_all schema as revision {BASELINE}, now at {after}"
    if result.before.revisions == result.after:
        return f"{database.safe_url}: already at {after}"
    return f"{database.safe_url}: upgraded from {before} to {after}"


def describe_current(url: str | None) -> str:
    """The revision of the database of ``url`` (default ``DATABASE_URL``), as one line."""
    from framework.db import Database
    from framework.schema import current

    database = Database(url)
    if not database.exists():
        return f"{database.safe_url}: no database yet (the file does not exist; the first use or upgrade makes it)"
    try:
        return f"{database.safe_url}: {current(database.engine).describe()}"
    finally:
        database.dispose()


def describe_history() -> list[str]:
    """One line per shipped migration, newest first."""
    from framework.schema import history

    return [
        f"{r.id}{' (head)' if r.is_head else ''} <- {', '.join(r.down) or 'base'}: {r.message.splitlines()[0]}"
        for r in history()
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m framework.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["upgrade", "current", "history"])
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: the DATABASE_URL setting)")
    parser.add_argument("--revision", default="head", help="upgrade to this revision (default: head)")
    args = parser.parse_args(argv)
    try:
        if args.command == "upgrade":
            print(describe_upgrade(args.database_url, args.revision))
        elif args.command == "current":
            print(describe_current(args.database_url))
        else:
            print("\n".join(describe_history()))
    except ExchangeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
