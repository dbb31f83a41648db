"""Flows: the journal's entries grouped into what happened to one piece of work, from trigger to the end.

A flow is everything with one correlation id: the function a trigger started, each queue a message was routed to
and the function that read it there, the entities stored, the files written, and how it ended (done,
dead-lettered, poisoned, still waiting on a queue). :class:`FlowTracker` reads entries in journal order and hands
back each flow once nothing of it is left in flight; ``exchange demo`` prints them, the TUI can show them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from emulator.journal.store import JournalEntry

Outcome = Literal["done", "dead_lettered", "poison", "failed", "waiting"]
StepKind = Literal["function", "queue", "entity", "file", "dead_letter", "poison", "error"]


@dataclass(frozen=True)
class Step:
    """One thing that happened in a flow."""

    #: What kind of step it is.
    kind: StepKind
    #: The function, queue, ``type/external_id`` of an entity, folder, or error message.
    name: str
    #: More about it: an entity's version (``v2``, ``v2 duplicate``), a function's trigger type, an error's kind.
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"kind": self.kind, "name": self.name, "detail": self.detail}


@dataclass
class Flow:
    """One correlation id's way through the host."""

    correlation_id: str
    #: When its first entry was written.
    started_at: datetime
    #: When its last entry was written.
    ended_at: datetime
    #: The steps in order.
    steps: list[Step] = field(default_factory=list)
    #: The newest message payload seen (from a queue message body), if any.
    payload: dict[str, Any] | None = None
    #: How it ended; ``waiting`` while (or when given up because) a routed message was not read.
    outcome: Outcome = "done"
    #: Why it failed, for the failed outcomes.
    error: str | None = None
    #: Invocations running now, and routed queue messages not yet read.
    active: int = 0
    pending: int = 0

    @property
    def duration(self) -> timedelta:
        """From the first entry to the last."""
        return self.ended_at - self.started_at

    def add(self, kind: StepKind, name: str, detail: str | None = None) -> None:
        """Append a step."""
        self.steps.append(Step(kind, name, detail))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "correlation_id": self.correlation_id,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "steps": [s.to_dict() for s in self.steps],
            "payload": self.payload,
            "outcome": self.outcome,
            "error": self.error,
        }


def envelope_of(entry: JournalEntry) -> dict[str, Any]:
    """The JSON object in a ``message.in``/``message.poison`` entry's body, or ``{}``."""
    try:
        parsed = json.loads(str(entry.data.get("body") or ""))
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class FlowTracker:
    """Feed journal entries in order; get back each flow when it is over."""

    def __init__(self) -> None:
        self.flows: dict[str, Flow] = {}
        #: Payloads read by a function from a body without a correlation id: the invocation that follows gets it.
        self._unclaimed: dict[str, dict[str, Any]] = {}

    def feed(self, entry: JournalEntry) -> list[Flow]:
        """Take one entry; return the flows it finished (usually none or one)."""
        if entry.kind in ("message.in", "message.poison"):
            return self._message(entry)
        if entry.correlation_id is None:
            return []
        flow = self._flow(entry.correlation_id, entry.at)
        handler = _HANDLERS.get(entry.kind)
        if handler is not None:
            handler(self, flow, entry)
        if entry.kind == "invocation.end" and flow.active == 0:
            return self._finish(flow) if flow.pending <= 0 or flow.outcome != "done" else []
        return []

    def expire(self, now: datetime, idle: timedelta) -> list[Flow]:
        """Flows with nothing new for ``idle``: a routed message nobody reads. Returned as ``waiting``."""
        stale = [f for f in self.flows.values() if f.active == 0 and now - f.ended_at >= idle]
        for flow in stale:
            flow.outcome = "waiting" if flow.outcome == "done" else flow.outcome
            del self.flows[flow.correlation_id]
        return stale

    def _flow(self, correlation_id: str, at: datetime) -> Flow:
        flow = self.flows.get(correlation_id)
        if flow is None:
            flow = self.flows[correlation_id] = Flow(correlation_id, at, at)
        flow.ended_at = max(flow.ended_at, at)
        return flow

    def _finish(self, flow: Flow) -> list[Flow]:
        del self.flows[flow.correlation_id]
        return [flow]

    def _message(self, entry: JournalEntry) -> list[Flow]:
        envelope = envelope_of(entry)
        payload = envelope.get("payload") if "envelope_version" in envelope else envelope
        correlation_id = entry.correlation_id or envelope.get("correlation_id")
        if correlation_id is None:
            if entry.kind == "message.in" and entry.function and isinstance(payload, dict):
                self._unclaimed[entry.function] = payload
            return []
        flow = self._flow(str(correlation_id), entry.at)
        if isinstance(payload, dict):
            flow.payload = payload
        if entry.kind == "message.in":
            flow.pending -= 1
            return []
        flow.add("poison", str(entry.data.get("poison_queue") or f"{entry.queue}-poison"))
        flow.outcome, flow.error = "poison", str(entry.data.get("reason") or "")
        flow.pending = 0
        return self._finish(flow) if flow.active == 0 else []

    def _invocation_start(self, flow: Flow, entry: JournalEntry) -> None:
        flow.active += 1
        unclaimed = self._unclaimed.pop(entry.function or "", None)
        if unclaimed is not None and flow.payload is None:
            flow.payload = unclaimed
        if not flow.steps or flow.steps[-1] != Step("function", entry.function or "?", entry.data.get("trigger")):
            flow.add("function", entry.function or "?", entry.data.get("trigger"))

    def _invocation_end(self, flow: Flow, entry: JournalEntry) -> None:
        flow.active = max(0, flow.active - 1)
        if entry.status in (None, "ok"):
            return
        outcome = entry.data.get("outcome")
        if outcome in ("retry", "dead_lettered"):  # the framework's own events already said so
            flow.pending += 1 if outcome == "retry" else 0  # a retry comes back on its queue
            return
        error = str(entry.data.get("error") or entry.status)
        flow.add("error", error, entry.status)
        if entry.data.get("trigger") == "queue":
            flow.pending += 1  # the message goes back to its queue: read again, or moved to poison
        else:
            flow.outcome, flow.error = "failed", error

    def _routed(self, flow: Flow, entry: JournalEntry) -> None:
        data = entry.data
        if not data.get("ok", True):
            flow.add("error", str(data.get("error") or "output failed"), str(data.get("handler")))
        elif data.get("handler") == "queue":
            flow.add("queue", str(data.get("destination")))
            flow.pending += int(data.get("count") or 1)
        elif data.get("handler") == "file":
            flow.add("file", str(data.get("destination")))

    def _entity(self, flow: Flow, entry: JournalEntry) -> None:
        data = entry.data
        detail = f"v{data.get('version')}" + (" duplicate" if entry.kind == "entity.duplicate" else "")
        flow.add("entity", f"{data.get('canonical_type')}/{data.get('external_id')}", detail)

    def _dead_lettered(self, flow: Flow, entry: JournalEntry) -> None:
        flow.add("dead_letter", str(entry.data.get("queue") or "dead-letter"), entry.data.get("error_type"))
        flow.outcome, flow.error = "dead_lettered", str(entry.data.get("error_message") or "")

    def _retry(self, flow: Flow, entry: JournalEntry) -> None:
        flow.add("error", str(entry.data.get("error_type") or "error"), f"retry {entry.data.get('attempt')}")


_HANDLERS = {
    "invocation.start": FlowTracker._invocation_start,
    "invocation.end": FlowTracker._invocation_end,
    "output.routed": FlowTracker._routed,
    "entity.persisted": FlowTracker._entity,
    "entity.duplicate": FlowTracker._entity,
    "message.dead_lettered": FlowTracker._dead_lettered,
    "processing.retry": FlowTracker._retry,
}
