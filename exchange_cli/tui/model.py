"""The TUI's picture of the live system, built incrementally from journal entries.

Everything here is bounded: the Messages and Logs streams are rings of the newest rows, the per-function and
per-edge figures are counters. Feeding it 100,000 entries costs counters, not memory.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, deque
from dataclasses import dataclass, field, replace

from emulator.journal.store import JournalEntry
from exchange_cli.tui.catalog import FunctionSpec
from exchange_cli.tui.rows import STREAM_KINDS, LogRow, StreamRow, log_row, stream_row
from exchange_cli.tui.stats import EdgeStats, FunctionStats

#: How many rows the Messages and Logs streams keep.
RING_SIZE = 2000

#: How many message ids the model remembers the arrival queue of.
QUEUE_MEMORY = 4096
#: How far back (rows) a starting invocation looks for the ``message.in`` row that triggered it.
ADOPT_WINDOW = 64

Edge = tuple[str, str]


@dataclass
class Batch:
    """What one ingest added."""

    stream: list[StreamRow] = field(default_factory=list)
    logs: list[LogRow] = field(default_factory=list)
    entities_changed: bool = False
    functions_changed: bool = False


def queue_node(queue: str) -> str:
    """The graph node of a queue."""
    return f"queue:{queue.lower()}"


class LiveModel:
    """Rings of rows, function figures and routing edges."""

    def __init__(self, ring_size: int = RING_SIZE) -> None:
        self.stream: deque[StreamRow] = deque(maxlen=ring_size)
        self.logs: deque[LogRow] = deque(maxlen=ring_size)
        self.functions: dict[str, FunctionStats] = {}
        self.edges: dict[Edge, EdgeStats] = {}
        self.entries_seen = 0
        self._dequeue_counts: dict[str, int | None] = {}  # invocation id -> dequeue count, until it ends
        self._queues: OrderedDict[str, str] = OrderedDict()  # message id -> the queue it came in on (bounded)

    def declare(self, specs: list[FunctionSpec]) -> None:
        """Add the declared functions and the edges their bindings promise."""
        for spec in specs:
            self.function(spec.name).spec = spec
            source = queue_node(spec.trigger_queue) if spec.trigger_queue else f"{spec.trigger}:{spec.name}"
            self.edge(source, f"fn:{spec.name}").declared = True
            for queue in spec.output_queues:
                self.edge(f"fn:{spec.name}", queue_node(queue)).declared = True

    def function(self, name: str) -> FunctionStats:
        """The figures of ``name`` (created on first sight)."""
        return self.functions.setdefault(name, FunctionStats(name))

    def edge(self, source: str, target: str) -> EdgeStats:
        """The edge ``source -> target`` (created on first sight)."""
        return self.edges.setdefault((source, target), EdgeStats())

    def ingest(self, entries: list[JournalEntry]) -> Batch:
        """Take in new entries (oldest first); returns the rows they added."""
        batch = Batch()
        added = 0
        for entry in entries:
            self.entries_seen += 1
            entry = self._with_queue(entry)
            self._count(entry, batch)
            if entry.kind in STREAM_KINDS:
                ended = entry.kind == "invocation.end"
                row = stream_row(entry, self._dequeue_counts.pop(entry.invocation_id or "", None) if ended else None)
                self.stream.append(row)
                added += 1
            elif entry.kind == "operation.end":
                log = log_row(entry)
                self.logs.append(log)
                batch.logs.append(log)
        # read back from the ring: rows may have been completed (a correlation id adopted) since they were added
        batch.stream = list(itertools.islice(self.stream, max(0, len(self.stream) - added), None))
        return batch

    def _count(self, entry: JournalEntry, batch: Batch) -> None:
        kind, data, at = entry.kind, entry.data, entry.at.timestamp()
        if kind == "invocation.start" and entry.function:
            self._adopt_correlation(entry)
            self.function(entry.function).running += 1
            self._dequeue_counts[entry.invocation_id or ""] = data.get("dequeue_count")
            trigger = str(data.get("trigger") or "queue")
            source = queue_node(entry.queue) if entry.queue else f"{trigger}:{entry.function}"
            self.edge(source, f"fn:{entry.function}").add(at)
            batch.functions_changed = True
        elif kind == "invocation.end" and entry.function:
            self._end(entry)
            batch.functions_changed = True
        elif kind == "message.out" and entry.function and entry.queue and not entry.queue.startswith("dead-letter"):
            self.edge(f"fn:{entry.function}", queue_node(entry.queue)).add(at)  # dead letters: their own edge
        elif kind == "output.routed" and entry.function and not _sent_by_host(entry):
            self._routed(entry, at)
        elif kind == "message.poison" and entry.queue:
            poison = str(data.get("poison_queue") or f"{entry.queue}-poison")
            self.edge(queue_node(entry.queue), queue_node(poison)).add(at, error=True)
        elif kind == "message.dead_lettered" and entry.function:
            self.edge(f"fn:{entry.function}", queue_node(str(data.get("queue") or "dead-letter"))).add(at, error=True)
        elif kind in ("entity.persisted", "entity.duplicate", "state.transition"):
            batch.entities_changed = True

    def _with_queue(self, entry: JournalEntry) -> JournalEntry:
        """The entry, naming the queue its message came in on (the host's ``message.in`` is the authority)."""
        if not entry.message_id:
            return entry
        if entry.kind == "message.in" and entry.queue:
            self._queues[entry.message_id] = entry.queue
            if len(self._queues) > QUEUE_MEMORY:
                self._queues.popitem(last=False)
        elif entry.kind.startswith("invocation.") and (queue := self._queues.get(entry.message_id)):
            return entry if entry.queue == queue else replace(entry, queue=queue)
        return entry

    def _adopt_correlation(self, start: JournalEntry) -> None:
        """Give the correlation id (known once the invocation starts) to the message that triggered it."""
        if not (start.message_id and start.correlation_id):
            return
        for index in range(len(self.stream) - 1, max(-1, len(self.stream) - 1 - ADOPT_WINDOW), -1):
            row = self.stream[index]
            if row.kind == "in" and row.entry.message_id == start.message_id:
                if not row.correlation_id:
                    self.stream[index] = replace(row, correlation_id=start.correlation_id)
                return

    def _end(self, entry: JournalEntry) -> None:
        stats = self.function(entry.function or "")
        stats.running = max(0, stats.running - 1)
        stats.invocations += 1
        stats.total_ms += float(entry.data.get("duration_ms") or 0.0)
        stats.last_status = entry.status or "ok"
        if stats.last_status != "ok":
            stats.failures += 1
            stats.last_error = str(entry.data.get("error") or entry.status)

    def _routed(self, entry: JournalEntry, at: float) -> None:
        handler, destination = str(entry.data.get("handler", "?")), str(entry.data.get("destination", ""))
        target = queue_node(destination) if handler == "queue" else f"{handler}:{destination}"
        count = entry.data.get("count")
        ok = bool(entry.data.get("ok", True))
        self.edge(f"fn:{entry.function}", target).add(at, count if isinstance(count, int) else 1, error=not ok)


def _sent_by_host(entry: JournalEntry) -> bool:
    """A processor's queue output that the host's transport sent, and journaled as ``message.out`` already."""
    return entry.data.get("handler") == "queue" and bool(entry.data.get("ok", True))
