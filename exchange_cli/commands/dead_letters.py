"""``exchange dead-letters list|show|replay|delete``: every given-up message, in one place.

Covers the framework's dead letters (validation failures, exhausted retries, refused tenants) and the host's
``<queue>-poison`` queues (maxDequeueCount reached, undecodable text), with why each was given up on.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from exchange_cli.options import deployment_option, json_option, storage_option


def _journal(deployment: Path | None) -> Path | None:
    """The host's journal (why poison messages were poisoned), when there is one to read."""
    from emulator.client.inspect import host_files
    from emulator.dev.state import NoRunningHostError
    from emulator.journal.store import default_journal_path

    try:
        return host_files(deployment).journal_path
    except NoRunningHostError:  # nothing runs: the deployment's own journal, if it ever ran
        path = default_journal_path((deployment or Path.cwd()).resolve())
        return path if path.exists() else None


@click.group("dead-letters")
def dead_letters() -> None:
    """Messages given up on: the framework's dead letters and the host's poison queues."""


@dead_letters.command("list")
@click.option("--limit", type=click.IntRange(1, 32), default=32, show_default=True, help="At most N per queue.")
@deployment_option
@storage_option
@json_option
def list_(limit: int, deployment: Path | None, storage: str | None, as_json: bool) -> None:
    """One line per given-up message: where it sits, where it came from, why."""
    from emulator.client import dead_letters as dl
    from exchange_cli.target import resolve

    target = resolve(deployment, storage)
    found = dl.list_dead_letters(target.storage, target.encoding, journal=_journal(deployment), limit=limit)
    if as_json:
        click.echo(json.dumps([letter.to_dict() for letter in found], indent=2))
        return
    if not found:
        click.echo("No dead letters and no poison messages.")
    for letter in found:
        attempts = letter.failure.get("attempts")
        tries = f"  {attempts} attempt(s)" if attempts else ""
        source = letter.source_queue or "?"
        click.echo(f"{letter.id}  {letter.queue:<20} from {source:<20}{tries}  {letter.reason}")


@dead_letters.command()
@click.argument("letter_id")
@deployment_option
@storage_option
@json_option
def show(letter_id: str, deployment: Path | None, storage: str | None, as_json: bool) -> None:
    """The original message and its failure (LETTER_ID: from `list`, or the original message id)."""
    from emulator.client import dead_letters as dl
    from exchange_cli.target import resolve

    target = resolve(deployment, storage)
    letter = dl.show(target.storage, letter_id, target.encoding, journal=_journal(deployment))
    if as_json:
        click.echo(json.dumps(letter.to_dict(), indent=2))
        return
    click.echo(f"{letter.kind} {letter.id} in {letter.queue}, from {letter.source_queue or '?'}")
    click.echo(f"reason: {letter.reason}")
    for key in ("error_type", "category", "fault", "attempts", "processor", "failed_at"):
        if letter.failure.get(key) is not None:
            click.echo(f"{key}: {letter.failure[key]}")
    click.echo(f"original: {letter.original}")


@dead_letters.command()
@click.argument("letter_id")
@click.option("--to", "to_queue", default=None, help="Send it here instead of the queue it came from.")
@deployment_option
@storage_option
def replay(letter_id: str, to_queue: str | None, deployment: Path | None, storage: str | None) -> None:
    """Send the original back to its source queue (attempt count reset), then delete the dead letter."""
    from emulator.client import dead_letters as dl
    from exchange_cli.target import resolve

    target = resolve(deployment, storage)
    letter = dl.replay(target.storage, letter_id, target.encoding, to=to_queue)
    click.echo(f"replayed {letter.id} from {letter.queue} to {to_queue or letter.source_queue}")


@dead_letters.command()
@click.argument("letter_id")
@deployment_option
@storage_option
def delete(letter_id: str, deployment: Path | None, storage: str | None) -> None:
    """Delete one dead letter or poison message."""
    from emulator.client import dead_letters as dl
    from exchange_cli.target import resolve

    queue = dl.delete(resolve(deployment, storage).storage, letter_id)
    click.echo(f"deleted {letter_id} from {queue}")
