"""``exchange update [PATH]``: bring generated files up to the installed templates."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
def update(path: Path) -> None:
    """Update every generated part at or below PATH (default: here) to this exchange's templates.

    Your edits are kept; template changes are merged in; conflicts are left as <<<<<<< markers. Needs a git
    repository with the generated files committed and a clean working tree. The changes stay uncommitted for
    you to review.
    """
    from exchange_cli.scaffold.update import update as run_update

    outcomes = run_update(path)
    for outcome in outcomes:
        change = (
            f"{outcome.from_version} -> {outcome.to_version}"
            if outcome.from_version != outcome.to_version
            else f"{outcome.to_version} (current)"
        )
        click.echo(f"{outcome.label} [{outcome.template}]: {change}")
    conflicts = sorted({path for outcome in outcomes for path in outcome.conflicts})
    if conflicts:
        click.echo("Conflicts to resolve (look for <<<<<<< markers):")
        for conflict in conflicts:
            click.echo(f"  {conflict.as_posix()}")
    if all(outcome.from_version == outcome.to_version for outcome in outcomes):
        click.echo("Everything is up to date.")
    else:
        click.echo("Review with `git diff`, then commit.")
