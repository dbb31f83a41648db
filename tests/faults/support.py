"""Helpers for the fault tests: the pipeline fixture app, where every message ended, worker processes, overlaps."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from emulator.client.queues import send
from emulator.journal.store import Journal, JournalEntry
from framework.queues import decode_body
from framework.storage import queue_client
from tests.cli.dev_support import make_deployment

APPS = Path(__file__).parent / "apps"
#: The shared PostgreSQL of the development machines and CI (trust auth).
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STAGES = ("receive", "enrich", "store")


@dataclass(frozen=True)
class Pipeline:
    """A deployment of the three-stage pipeline app and the names of its queues."""

    path: Path
    queues: tuple[str, str, str]
    dead_letter_queue: str
    tenant: str

    @property
    def poison_queues(self) -> list[str]:
        """The host's poison queue of each stage."""
        return [f"{q}-poison" for q in self.queues]

    @property
    def runs_file(self) -> Path:
        """Where the app writes down each run of its code as it starts and ends (outside the deployment: no reload)."""
        return self.path.parent / f"{self.path.name}-runs.log"

    @property
    def journal(self) -> Journal:
        """The journal ``exchange dev`` writes for this deployment."""
        return Journal(self.path / ".exchange" / "journal.db")


def make_pipeline(target: Path, host: dict[str, object] | None = None, work_s: float = 0.005) -> Pipeline:
    """Copy the pipeline app to ``target`` with fresh queue names."""
    prefix = f"p{uuid.uuid4().hex[:10]}"
    queues = (f"{prefix}-receive", f"{prefix}-enrich", f"{prefix}-store")
    values = {
        "Q1": queues[0],
        "Q2": queues[1],
        "Q3": queues[2],
        "DEAD_LETTER_QUEUE": f"{prefix}-dead",
        "TENANT_ID": prefix,
        "WORK_S": str(work_s),
        "RUNS_FILE": str(target.parent / f"{target.name}-runs.log"),
    }
    path = make_deployment(target, app="pipeline", values=values, apps=APPS)
    if host:
        (path / "host.json").write_text(json.dumps({"version": "2.0", **host}))
    return Pipeline(path, queues, values["DEAD_LETTER_QUEUE"], prefix)


def order(index: int, kind: str = "ok") -> dict[str, str]:
    """An order for the pipeline: ``kind`` is ``ok``, ``invalid`` (dead-lettered) or ``crash`` (poisoned)."""
    return {"id": f"order-{index:05d}", "kind": kind}


def push(storage: str, queue: str, orders: list[dict[str, str]]) -> None:
    """Send the orders to ``queue`` as JSON bodies."""
    send(storage, queue, [json.dumps(o) for o in orders])


def queue_texts(storage: str, queue: str, *, decode: bool = True) -> list[str]:
    """Every message on ``queue`` (base64-decoded unless ``decode`` is False), left in place and visible; empty
    if the queue is missing."""
    from azure.core.exceptions import ResourceNotFoundError

    client = queue_client(queue, storage)
    held = []
    try:
        while batch := list(client.receive_messages(max_messages=32, visibility_timeout=60)):
            held += batch
        return [decode_body(m.content).decode("utf-8", errors="replace") if decode else m.content for m in held]
    except ResourceNotFoundError:
        return []
    finally:
        for message in held:  # the lease only let the scan reach past the first 32: visible again at once
            client.update_message(message, visibility_timeout=0)
        client.close()


def queue_length(storage: str, queue: str) -> int:
    """Messages on ``queue``, visible or leased (0 if it is missing)."""
    from azure.core.exceptions import ResourceNotFoundError

    client = queue_client(queue, storage)
    try:
        return int(client.get_queue_properties().approximate_message_count or 0)
    except ResourceNotFoundError:
        return 0
    finally:
        client.close()


def _order_id(text: str) -> str:
    body = json.loads(text)
    if "dead_letter_version" in body:
        body = body["original"]
    return str(body["payload"]["id"] if "payload" in body else body["id"])


@dataclass
class Ledger:
    """Where each order ended: processed (its final entity), a poison queue, or the dead-letter queue."""

    processed: Counter[str] = field(default_factory=Counter)
    poisoned: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)
    #: Entity rows per (stage, order id) and their versions: exactly one row at version 1 each.
    entity_rows: Counter[tuple[str, str]] = field(default_factory=Counter)
    versions: Counter[int] = field(default_factory=Counter)

    def places(self, order_id: str) -> list[str]:
        """Every place ``order_id`` was found."""
        found = [("processed", self.processed), ("poison", self.poisoned), ("dead-letter", self.dead_lettered)]
        return [name for name, counter in found for _ in range(counter[order_id])]

    def counts(self) -> str:
        """One line for the test output."""
        return (
            f"processed {sum(self.processed.values())}, poison {sum(self.poisoned.values())}, "
            f"dead-letter {sum(self.dead_lettered.values())}, entity versions {dict(self.versions)}"
        )


def ledger(pipeline: Pipeline, storage: str, database_url: str) -> Ledger:
    """Read the final state: entities from the database, poison and dead letters from the queues."""
    result = Ledger()
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT canonical_type, external_id, version FROM entities WHERE tenant_id = :t"),
                {"t": pipeline.tenant},
            ).all()
    finally:
        engine.dispose()
    for stage, external_id, version in rows:
        result.entity_rows[(stage, external_id)] += 1
        result.versions[version] += 1
        if stage == STAGES[-1]:
            result.processed[external_id] += 1
    for queue in pipeline.poison_queues:
        result.poisoned.update(_order_id(t) for t in queue_texts(storage, queue))
    result.dead_lettered.update(_order_id(t) for t in queue_texts(storage, pipeline.dead_letter_queue))
    return result


def postgres_answers(url: str) -> bool:
    """True when the PostgreSQL server of ``url`` accepts a connection."""
    engine = sa.create_engine(url)
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A schema of its own in the test PostgreSQL (``EXCHANGE_TEST_DATABASE_URL`` or the shared server), dropped
    at the end. Without PostgreSQL the test is skipped, or fails where ``EXCHANGE_REQUIRE_POSTGRES`` is set (CI):
    a CI run must not go green by testing less."""
    import pytest

    from emulator.testing.plugin import postgres_schema

    url = os.environ.get("EXCHANGE_TEST_DATABASE_URL", POSTGRES_URL)
    if not url.startswith("postgresql") or not postgres_answers(url):
        if os.environ.get("EXCHANGE_REQUIRE_POSTGRES"):
            pytest.fail(f"no PostgreSQL at {url}, and EXCHANGE_REQUIRE_POSTGRES is set", pytrace=False)
        pytest.skip(f"no PostgreSQL at {url}")
    with postgres_schema(url) as scoped:
        yield scoped


# -- processes ---------------------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The direct child processes of ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def running_workers(journal: Journal) -> list[int]:
    """Pids of workers that started their host (journal ``host.start``), have not stopped it and still run."""
    entries = journal.read(kinds=["host.start", "host.stop"], limit=100_000)
    started = {int(e.data["pid"]) for e in entries if e.kind == "host.start"}
    stopped = {int(e.data["pid"]) for e in entries if e.kind == "host.stop"}
    return sorted(pid for pid in started - stopped if alive(pid))


def kill(pid: int) -> None:
    """SIGKILL: the worker gets no chance to drain."""
    os.kill(pid, signal.SIGKILL)


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` in KiB (VmRSS from /proc; psutil is not installed)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# -- the journal's account of invocations -----------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One invocation of one message by one process, and what says when it ended."""

    message_id: str
    pid: int
    start: datetime
    end: datetime | None
    #: ``journal``, ``app`` (the app's own record of when its function returned), ``kill`` (it was still running
    #: when its worker was killed) or ``unknown`` (no end anywhere, and its worker was not killed).
    ended_by: str = "journal"
    invocation_id: str = ""


@dataclass(frozen=True)
class Run:
    """One run of the app's code as the app wrote it down (see the pipeline app's ``RUNS_FILE``)."""

    pid: int
    start: datetime
    #: None: its process died before the function returned.
    end: datetime | None


def app_runs(path: Path) -> dict[str, Run]:
    """The app's record of its code's runs, by invocation id (the app cannot name the queue message: on Azure as
    here, a JSON body's ``id`` field takes the place of ``msg.id``; the journal's invocation says which it was)."""
    found: dict[str, Run] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    for event, invocation_id, pid, unix_time in (line.split() for line in lines):
        at = datetime.fromtimestamp(float(unix_time), UTC)
        if event == "start":
            found[invocation_id] = Run(int(pid), at, None)
        else:
            found[invocation_id] = replace(found[invocation_id], end=at)
    return found


def spans(entries: list[JournalEntry], killed_at: dict[int, datetime], runs: dict[str, Run]) -> list[Span]:
    """Invocations of queue messages as the journal has them.

    A killed worker loses the entries it had not flushed yet (the journal writes in batches, ~100 ms apart), so the
    journal may have the start of one of its invocations and not the end, though that invocation ended long before
    the kill and its message was already settled and run again elsewhere. Its end is then taken from the app's
    own record (``runs``: when the function returned), and only when that has none either (the function was still
    running) does it last until the kill. An invocation without an end in a worker that was not killed has none.
    """
    starts = {e.invocation_id: e for e in entries if e.kind == "invocation.start" and e.message_id}
    ends = {e.invocation_id: e for e in entries if e.kind == "invocation.end" and e.message_id}
    found = []
    for invocation_id, start in starts.items():
        span = Span(start.message_id or "", start.pid, start.at, None, "unknown", invocation_id)
        end, run = ends.get(invocation_id), runs.get(invocation_id)
        if end is not None:
            span = replace(span, end=end.at, ended_by="journal")
        elif start.pid in killed_at and run is not None and run.end is not None:
            span = replace(span, end=run.end, ended_by="app")
        elif start.pid in killed_at:
            span = replace(span, end=killed_at[start.pid], ended_by="kill")
        found.append(span)
    return found


def overlaps(found: list[Span]) -> list[tuple[Span, Span]]:
    """Pairs of invocations of one message that ran at the same time (one without an end clashes with the next)."""
    by_message: dict[str, list[Span]] = {}
    for span in found:
        by_message.setdefault(span.message_id, []).append(span)
    clashes = []
    for runs in by_message.values():
        runs.sort(key=lambda s: s.start)
        for before, after in itertools.pairwise(runs):
            if before.end is None or after.start < before.end:
                clashes.append((before, after))
    return clashes


# -- a database that goes away ----------------------------------------------------------------------------


class TcpProxy:
    """A real TCP proxy on a loopback port that a test can take down (refusing and cutting connections) and
    bring back on the same port: a database server "unreachable for a while" without touching the server."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        from emulator.azurite import free_port

        self.target = (target_host, target_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True).start()

    def start(self) -> None:
        """Accept connections (again) on :attr:`port`."""
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)

    def stop(self) -> None:
        """Refuse new connections and cut the open ones."""
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)

    def close(self) -> None:
        """Stop and end the proxy's thread."""
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def _stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()  # no new connections
        # cut the open ones before waiting: since Python 3.12.1 wait_closed() waits for every connection to end
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()
        if server is not None:
            await server.wait_closed()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.transport.abort()
            return
        self._open |= {client_w, server_w}
        await asyncio.gather(self._pipe(client_r, server_w), self._pipe(server_r, client_w))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._open.discard(writer)
            writer.transport.abort()
