"""``exchange messages`` and ``exchange entities``: what the host moved and what it stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from exchange_cli.options import deployment_option, json_option

ARROWS = {
    "message.in": "IN ",
    "message.out": "OUT",
    "output.routed": "OUT",
    "message.poison": "PSN",
    "message.retry": "RTY",
    "processing.retry": "RTY",
    "message.dead_lettered": "DLQ",
}
OUTGOING = {"message.out", "output.routed", "message.dead_lettered", "processing.retry"}


def _sent_twice(entry: Any) -> bool:
    """A processor's queue output: the host journaled its send as ``message.out`` (with the body) already, so the
    text view shows it once."""
    return bool(entry.kind == "output.routed" and entry.data.get("handler") == "queue" and entry.data.get("ok", True))


def _line(entry: Any) -> str:
    data = entry.data
    body = str(data.get("body", ""))
    count = f" #{data['dequeue_count']}" if data.get("dequeue_count") is not None else ""
    status = f" [{entry.status}]" if entry.status else ""
    queue = entry.queue or data.get("destination") or data.get("queue") or "-"
    where = f"{queue} {'<-' if entry.kind in OUTGOING else '->'} {entry.function or '-'}"
    why = data.get("reason") or data.get("error")
    if not why and data.get("error_type"):  # a dead letter: the framework's failure
        why = f"{data['error_type']}: {data.get('error_message') or ''}".rstrip(": ")
    why = why or data.get("error_message")
    reason = f"  reason: {why}" if why else ""
    return f"{entry.at:%H:%M:%S} {ARROWS.get(entry.kind, entry.kind)} {where}{count}{status}  {body[:120]}{reason}"


@click.command()
@click.option("--queue", "-q", default=None, help="Only this queue.")
@click.option("--function", "-f", default=None, help="Only this function.")
@click.option("--correlation-id", default=None, help="Only messages of this correlation id.")
@click.option("--limit", "-n", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--follow", "-F", is_flag=True, help="Keep printing new messages until Ctrl-C.")
@deployment_option
@json_option
def messages(
    queue: str | None,
    function: str | None,
    correlation_id: str | None,
    limit: int,
    follow: bool,
    deployment: Path | None,
    as_json: bool,
) -> None:
    """Messages in and out of the host's functions, newest last (from its journal)."""
    from emulator.client.inspect import MESSAGE_KINDS, host_files, recent
    from emulator.client.inspect import follow as tail
    from emulator.journal.store import Journal

    journal = Journal(host_files(deployment).journal_path, create=False)  # a reader: never writes
    if not journal.path.exists() and not follow and not as_json:
        click.echo(f"No messages yet: {journal.path} does not exist (no host has run this deployment).")
    filters: dict[str, Any] = {
        "kinds": MESSAGE_KINDS,
        "queue": queue,
        "function": function,
        "correlation_id": correlation_id,
    }
    shown = recent(journal, limit, **filters)
    for entry in shown:
        if as_json or not _sent_twice(entry):  # --json keeps every entry: a stable format
            click.echo(json.dumps(entry.to_dict()) if as_json else _line(entry))
    if follow:
        try:
            for entry in tail(journal, (shown[-1].id or 0) if shown else journal.last_id(), **filters):
                if _sent_twice(entry) and not as_json:
                    continue
                click.echo(json.dumps(entry.to_dict()) if as_json else _line(entry))
        except KeyboardInterrupt:
            return


@click.command()
@click.option("--tenant", default=None, help="Only this tenant.")
@click.option("--type", "canonical_type", default=None, help="Only this canonical type.")
@click.option("--source", default=None, help="Only this source.")
@click.option("--limit", "-n", type=click.IntRange(1, 10_000), default=50, show_default=True)
@deployment_option
@json_option
def entities(
    tenant: str | None,
    canonical_type: str | None,
    source: str | None,
    limit: int,
    deployment: Path | None,
    as_json: bool,
) -> None:
    """Entities the deployment's processors stored, with their current version."""
    import sqlalchemy.exc

    from emulator.client.inspect import host_files, sqlite_file
    from framework.db import Database
    from framework.services import EntityService

    url = host_files(deployment).database_url
    missing = sqlite_file(url)
    if missing is not None and not missing.exists():  # reading must not create an empty database
        click.echo("[]" if as_json else f"No entities yet: {missing} does not exist (nothing was stored).")
        return
    database = Database(url)
    try:
        found = (
            EntityService(database).list_all_entities(
                tenant_id=tenant, canonical_type=canonical_type, source=source, limit=limit
            )
            if database.has_schema()
            else []
        )
    except sqlalchemy.exc.OperationalError as error:
        if "no such table" not in str(error):  # a worker created the file and has not made its tables yet
            raise
        found = []
    finally:
        database.dispose()
    if as_json:
        click.echo(json.dumps([e.to_dict() for e in found], indent=2, default=str))
        return
    if not found:
        click.echo("No entities.")
        return
    rows = [("ID", "TENANT", "TYPE/SOURCE/EXTERNAL ID", "VERSION", "UPDATED")] + [
        (
            str(e.id),
            e.tenant_id,
            f"{e.canonical_type}/{e.source}/{e.external_id}",
            f"v{e.version}",
            f"{e.updated_at:%Y-%m-%d %H:%M:%S}",
        )
        for e in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]]))
