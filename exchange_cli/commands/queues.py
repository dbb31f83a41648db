"""``exchange send`` and ``exchange poison list|replay|delete``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from exchange_cli.options import deployment_option, json_option, storage_option
from framework.errors import ExchangeError

if TYPE_CHECKING:
    from exchange_cli.target import Target


def _read_data(data: str) -> str:
    if data == "-":
        return sys.stdin.read()
    if data.startswith("@"):
        path = Path(data[1:])
        if not path.is_file():
            raise click.BadParameter(f"no such file: {path}", param_hint="DATA")
        return path.read_text(encoding="utf-8")
    return data


@click.command()
@click.argument("queue")
@click.argument("data")
@click.option("--count", "-n", type=click.IntRange(1, 100_000), default=1, show_default=True, help="Send it N times.")
@click.option("--raw", is_flag=True, help="Send DATA as it is, without checking that it is JSON.")
@deployment_option
@storage_option
def send(queue: str, data: str, count: int, raw: bool, deployment: Path | None, storage: str | None) -> None:
    """Put a message on QUEUE, encoded as the deployment's host.json says.

    DATA is JSON text, @FILE, or - for standard input.
    """
    from emulator.client import queues as queue_ops
    from exchange_cli.target import resolve

    body = _read_data(data)
    if not raw:
        try:
            json.loads(body)
        except ValueError as exc:
            raise click.BadParameter(f"not JSON ({exc}); pass --raw to send it anyway", param_hint="DATA") from exc
        except RecursionError:
            raise click.BadParameter(
                "nested too deeply to check as JSON (Python reads about 1,000 levels); pass --raw to send it anyway",
                param_hint="DATA",
            ) from None
    target = resolve(deployment, storage)
    ids = queue_ops.send(target.storage, queue, [body] * count, target.encoding)
    click.echo(f"sent {len(ids)} message(s) to {queue}" + (f" (id {ids[0]})" if count == 1 else ""))


@click.group()
def poison() -> None:
    """Inspect, replay or delete messages in a queue's poison queue."""


@poison.command("list")
@click.argument("queue")
@click.option("--limit", type=click.IntRange(1, 32), default=32, show_default=True)
@deployment_option
@storage_option
@json_option
def list_(queue: str, limit: int, deployment: Path | None, storage: str | None, as_json: bool) -> None:
    """Show the messages in QUEUE-poison (QUEUE may name the poison queue itself)."""
    from emulator.client import queues as queue_ops
    from exchange_cli.target import resolve

    name = queue if queue.endswith(queue_ops.POISON_SUFFIX) else queue_ops.poison_queue_name(queue)
    target = resolve(deployment, storage)
    found = queue_ops.peek(target.storage, name, target.encoding, limit)
    reasons = _poison_reasons(deployment, target, name.removesuffix(queue_ops.POISON_SUFFIX))
    if as_json:
        click.echo(json.dumps([{**m.to_dict(), "reason": reasons.get(m.body)} for m in found], indent=2))
        return
    if not found:
        click.echo(f"{name} is empty.")
    for msg in found:
        note = "" if msg.decoded else "  (not valid for the encoding: shown raw)"
        # A poison copy starts at dequeue count 0: the count only says something once someone read the copy.
        count = f"  read {msg.dequeue_count}x from {name}" if msg.dequeue_count else ""
        why = reasons.get(msg.body) or "unknown (not in this deployment's journal)"
        click.echo(f"{msg.id}  reason: {why}{count}\n    {msg.body[:200]}{note}")


def _poison_reasons(deployment: Path | None, target: Target, queue: str) -> dict[str, str]:
    """Why each message of ``queue`` was poisoned, by body, from the journal of the deployment (if there is one)."""
    from emulator.client.inspect import host_files, poison_reasons
    from emulator.journal.store import Journal

    folder = Path(target.host.deployment_dir) if target.host else deployment
    try:
        return poison_reasons(Journal(host_files(folder).journal_path, create=False), queue)
    except ExchangeError:  # no deployment here, or its journal is unreadable: the messages are still shown
        return {}


@poison.command()
@click.argument("queue")
@click.option("--id", "message_id", default=None, help="Replay only this message.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Replay at most N messages.")
@deployment_option
@storage_option
def replay(queue: str, message_id: str | None, limit: int | None, deployment: Path | None, storage: str | None) -> None:
    """Move messages from QUEUE-poison back to QUEUE, unchanged."""
    from emulator.client import queues as queue_ops
    from exchange_cli.target import resolve

    queue = queue.removesuffix(queue_ops.POISON_SUFFIX)
    moved = queue_ops.replay(resolve(deployment, storage).storage, queue, limit=limit, message_id=message_id)
    if message_id and not moved:
        raise click.ClickException(f"message {message_id} is not in {queue_ops.poison_queue_name(queue)}")
    click.echo(f"replayed {moved} message(s) from {queue_ops.poison_queue_name(queue)} to {queue}")


@poison.command()
@click.argument("queue")
@click.argument("message_id")
@deployment_option
@storage_option
def delete(queue: str, message_id: str, deployment: Path | None, storage: str | None) -> None:
    """Delete one message from QUEUE-poison."""
    from emulator.client import queues as queue_ops
    from exchange_cli.target import resolve

    name = queue if queue.endswith(queue_ops.POISON_SUFFIX) else queue_ops.poison_queue_name(queue)
    if not queue_ops.delete(resolve(deployment, storage).storage, name, message_id):
        raise click.ClickException(f"message {message_id} is not in {name}")
    click.echo(f"deleted {message_id} from {name}")
