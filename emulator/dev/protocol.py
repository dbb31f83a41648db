"""The host-worker protocol: every command and event as a frozen dataclass, one versioned wire form, one encoder.

Three channels carry it, all framed by :func:`encode` / :func:`decode` (one JSON object, newline-terminated):

- supervisor ↔ supervised worker, JSON lines over a socketpair (:mod:`emulator.dev.control`): commands
  :class:`Warm`, :class:`Load`, :class:`Start`, :class:`Drain`; events :class:`Ready`, :class:`Loaded`,
  :class:`LoadFailed`, :class:`Started`, :class:`StartFailed`, :class:`Drained` (:class:`LoadCancelled` is the
  supervisor's own outcome of a load it gave up on Ctrl-C, never sent);
- supervisor ↔ fork server, one packet per message with file descriptors attached (:mod:`emulator.dev.forkserver`):
  :class:`Fork`; :class:`ForkServerReady`, :class:`Forked`, :class:`Exited`;
- standalone worker → its parent, lines on stdout (:mod:`emulator.dev.worker`): :class:`Ready`, :class:`Error`,
  :class:`Stopped`.

Every message carries ``"v": VERSION`` and ``"kind"``. A message of another version, of an unknown kind or with a
missing or mistyped field is a :class:`ProtocolError` naming what was wrong, never a KeyError far away.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from emulator.runtime.config import WorkerConfig
from framework.errors import ExchangeError

#: Bumped whenever a message changes shape: both ends of a channel come from the same checkout, so a mismatch is a
#: stale process (a fork server left over from an older exchange), refused at once.
VERSION = 1

#: A queue a worker polls: (connection string, queue name).
QueueRef = tuple[str, str]


class ProtocolError(ExchangeError):
    """A message this side cannot read: another version, an unknown kind, a missing or mistyped field."""


@dataclass(frozen=True)
class Message:
    """Base of every message: its ``kind`` on the wire, and the generic wire form of plain fields."""

    kind: ClassVar[str] = ""

    def fields(self) -> dict[str, Any]:
        """The message's own fields in JSON types (overridden where a field is not one already)."""
        return dict(self.__dict__)

    def to_dict(self) -> dict[str, Any]:
        """The wire form: version, kind, fields."""
        return {"v": VERSION, "kind": self.kind, **self.fields()}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Message:
        """Build from the wire form's fields (overridden where a field needs converting)."""
        return cls()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        """Read :meth:`to_dict`'s form, checking version and kind; :class:`ProtocolError` if it does not fit."""
        _check_header(data, cls.kind)
        try:
            return cls.from_fields(data)
        except (KeyError, TypeError, ValueError) as error:
            raise ProtocolError(f"bad {cls.kind!r} message ({type(error).__name__}: {error}): {data!r}") from error


def _check_header(data: object, kind: str | None = None) -> None:
    if not isinstance(data, dict):
        raise ProtocolError(f"a protocol message is a JSON object, not {data!r}")
    if data.get("v") != VERSION:
        raise ProtocolError(f"protocol version {data.get('v')!r} is not this side's {VERSION}: {data!r}")
    if kind is not None and data.get("kind") != kind:
        raise ProtocolError(f"expected a {kind!r} message, not {data.get('kind')!r}")


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {value!r}")
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, not {value!r}")
    return value


def _names(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list, not {value!r}")
    return tuple(_str(item) for item in value)


def _queues(value: object) -> tuple[QueueRef, ...]:
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list of [connection, queue], not {value!r}")
    pairs = [_names(pair) for pair in value]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"expected [connection, queue] pairs, not {value!r}")
    return tuple((pair[0], pair[1]) for pair in pairs)


# --- supervisor -> supervised worker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Warm(Message):
    """Open (and create if missing) the running generation's queues before the code is known."""

    kind: ClassVar[str] = "warm"
    queues: tuple[QueueRef, ...] = ()

    def fields(self) -> dict[str, Any]:
        return {"queues": [list(pair) for pair in self.queues]}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Warm:
        return cls(queues=_queues(data["queues"]))


@dataclass(frozen=True)
class Load(Message):
    """Import and index the deployment, open its queues; poll nothing yet."""

    kind: ClassVar[str] = "load"
    config: WorkerConfig

    def fields(self) -> dict[str, Any]:
        return {"config": self.config.to_dict()}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Load:
        return cls(config=WorkerConfig.from_dict(data["config"]))


@dataclass(frozen=True)
class Start(Message):
    """Start the queue pollers, timers and HTTP server of the loaded code (ignored if it did not load)."""

    kind: ClassVar[str] = "start"


@dataclass(frozen=True)
class Drain(Message):
    """Stop receiving, finish in-flight work within ``timeout`` seconds, say :class:`Drained`, exit."""

    kind: ClassVar[str] = "drain"
    timeout: float = 10.0

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Drain:
        return cls(timeout=float(data["timeout"]))


# --- worker -> its supervisor or parent ------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready(Message):
    """This process is ready: a supervised worker is warm; a standalone one runs its host (functions, HTTP URL)."""

    kind: ClassVar[str] = "ready"
    pid: int
    functions: tuple[str, ...] = ()
    #: The HTTP server's base URL, when a standalone worker serves HTTP.
    http: str | None = None

    def fields(self) -> dict[str, Any]:
        return {"pid": self.pid, "functions": list(self.functions), "http": self.http}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Ready:
        http = data.get("http")
        return cls(
            pid=_int(data["pid"]), functions=_names(data["functions"]), http=None if http is None else _str(http)
        )


@dataclass(frozen=True)
class Loaded(Message):
    """The code imported and indexed: its functions, and why some of them do not run locally."""

    kind: ClassVar[str] = "loaded"
    functions: tuple[str, ...] = ()
    #: Function name -> why it is not run locally.
    not_run: dict[str, str] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        return {"functions": list(self.functions), "not_run": dict(self.not_run)}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Loaded:
        not_run = data["not_run"]
        if not isinstance(not_run, dict):
            raise TypeError(f"expected an object, not {not_run!r}")
        return cls(functions=_names(data["functions"]), not_run={_str(k): _str(v) for k, v in not_run.items()})


@dataclass(frozen=True)
class _Failure(Message):
    """An outcome that failed, with what the user sees."""

    error: str

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> _Failure:
        return cls(error=_str(data["error"]))


@dataclass(frozen=True)
class LoadFailed(_Failure):
    """The code did not load (the message names file and line), or the worker died or hung loading it."""

    kind: ClassVar[str] = "load_failed"


@dataclass(frozen=True)
class LoadCancelled(Message):
    """The supervisor stopped waiting for a load (Ctrl-C): not a failure to report."""

    kind: ClassVar[str] = "load_cancelled"


@dataclass(frozen=True)
class Started(Message):
    """The triggers run; the queues it polls (spares of the next generation open them in advance)."""

    kind: ClassVar[str] = "started"
    queues: tuple[QueueRef, ...] = ()

    def fields(self) -> dict[str, Any]:
        return {"queues": [list(pair) for pair in self.queues]}

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Started:
        return cls(queues=_queues(data["queues"]))


@dataclass(frozen=True)
class StartFailed(_Failure):
    """The triggers could not start (storage unreachable, port taken, ...); the worker then exits."""

    kind: ClassVar[str] = "start_failed"


@dataclass(frozen=True)
class Drained(Message):
    """Nothing is received any more, in-flight work is finished or released, the journal is flushed."""

    kind: ClassVar[str] = "drained"


@dataclass(frozen=True)
class Stopped(Message):
    """A standalone worker drained and is exiting with status 0."""

    kind: ClassVar[str] = "stopped"
    pid: int

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Stopped:
        return cls(pid=_int(data["pid"]))


@dataclass(frozen=True)
class Error(Message):
    """A standalone worker's code did not load (it exits with status 3): the error's class, message, hint."""

    kind: ClassVar[str] = "error"
    type: str
    message: str
    hint: str | None = None
    #: The full traceback of an indexing error ("" when there is none).
    details: str = ""

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Error:
        hint = data.get("hint")
        return cls(
            type=_str(data["type"]),
            message=_str(data["message"]),
            hint=None if hint is None else _str(hint),
            details=_str(data.get("details", "")),
        )


# --- fork server -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fork(Message):
    """Supervisor -> fork server: fork a worker for slot ``index`` (its control socket attached)."""

    kind: ClassVar[str] = "fork"
    index: int

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Fork:
        return cls(index=_int(data["index"]))


@dataclass(frozen=True)
class _Pid(Message):
    pid: int

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> _Pid:
        return cls(pid=_int(data["pid"]))


@dataclass(frozen=True)
class ForkServerReady(_Pid):
    """Fork server -> supervisor: warm, forking from now on."""

    kind: ClassVar[str] = "fork_server_ready"


@dataclass(frozen=True)
class Forked(_Pid):
    """Fork server -> supervisor: a worker was forked (a pidfd of it attached: a recycled pid is never confused)."""

    kind: ClassVar[str] = "forked"


@dataclass(frozen=True)
class Exited(_Pid):
    """Fork server -> supervisor: a forked worker ended (negative ``code``: killed by that signal)."""

    kind: ClassVar[str] = "exited"
    code: int = 0

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> Exited:
        return cls(pid=_int(data["pid"]), code=_int(data["code"]))


#: Every message there is (a kind used twice would make :data:`KINDS` shorter: a test checks it is not).
MESSAGES: tuple[type[Message], ...] = (
    Warm,
    Load,
    Start,
    Drain,
    Ready,
    Loaded,
    LoadFailed,
    LoadCancelled,
    Started,
    StartFailed,
    Drained,
    Stopped,
    Error,
    Fork,
    ForkServerReady,
    Forked,
    Exited,
)
#: Every message class by its kind (read-only).
KINDS: Mapping[str, type[Message]] = MappingProxyType({cls.kind: cls for cls in MESSAGES})

#: What the supervisor sends a supervised worker, and what it hears back.
Command = Warm | Load | Start | Drain
Event = Ready | Loaded | LoadFailed | LoadCancelled | Started | StartFailed | Drained | Stopped | Error
LoadOutcome = Loaded | LoadFailed | LoadCancelled
StartOutcome = Started | StartFailed
#: What the fork server says.
ForkReply = ForkServerReady | Forked | Exited

T = TypeVar("T", bound=Message)


def encode(message: Message) -> bytes:
    """One message as one line of JSON (a packet on the fork server's channel)."""
    return (json.dumps(message.to_dict()) + "\n").encode()


def decode(data: bytes | str) -> Message:
    """The message in one line or packet; :class:`ProtocolError` when it is not one this side can read."""
    try:
        parsed = json.loads(data)
    except ValueError as error:
        raise ProtocolError(f"not a protocol message (invalid JSON: {error}): {data!r}") from error
    _check_header(parsed)
    kind = parsed.get("kind")
    cls = KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ProtocolError(f"unknown message kind {kind!r} (known: {', '.join(sorted(KINDS))})")
    return cls.from_dict(parsed)


def decode_command(data: bytes | str) -> Command:
    """A command for a supervised worker; :class:`ProtocolError` for anything else."""
    message = decode(data)
    if isinstance(message, Warm | Load | Start | Drain):
        return message
    raise ProtocolError(f"unexpected {message.kind!r} message where a command belongs")


def decode_event(data: bytes | str) -> Event:
    """An event from a worker; :class:`ProtocolError` for anything else."""
    message = decode(data)
    if isinstance(message, Ready | Loaded | LoadFailed | LoadCancelled | Started | StartFailed | Drained):
        return message
    if isinstance(message, Stopped | Error):  # the standalone worker's
        return message
    raise ProtocolError(f"unexpected {message.kind!r} message where a worker's event belongs")


def decode_fork_reply(data: bytes | str) -> ForkReply:
    """What the fork server says; :class:`ProtocolError` for anything else."""
    message = decode(data)
    if isinstance(message, ForkServerReady | Forked | Exited):
        return message
    raise ProtocolError(f"unexpected {message.kind!r} message from the fork server")


def decode_as(data: bytes | str, *expected: type[T]) -> T:
    """:func:`decode`, refusing a message of another type than ``expected`` (a command where an event belongs)."""
    message = decode(data)
    if not isinstance(message, expected):
        names = ", ".join(cls.kind for cls in expected)
        raise ProtocolError(f"unexpected {message.kind!r} message here (expected {names})")
    return message
