"""Find, install, start and stop Azurite, the real Azure Storage emulator.

Azurite is the npm package, pinned (3.36+ needs Node.js 21), installed once into a per-user cache and run with
the machine's Node.js. It always runs with ``--skipApiVersionCheck`` (the Python SDK speaks a newer API version),
``--disableTelemetry`` (otherwise it calls out to the internet) and on-disk persistence (in-memory mode stalls for
seconds after a few thousand messages). It is stopped with SIGTERM: a SIGKILL can lose writes of the last seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from framework.errors import ExchangeError, StorageUnavailableError
from framework.storage import DEV_PORTS, dev_connection_string

AZURITE_VERSION = "3.35.0"
START_TIMEOUT_S = 20.0


class AzuriteError(ExchangeError):
    """Azurite could not be installed, started or reached."""


@dataclass(frozen=True)
class AzuriteEndpoints:
    """Where an Azurite listens."""

    host: str = "127.0.0.1"
    #: Blob, queue and table ports.
    ports: dict[str, int] = field(default_factory=lambda: dict(DEV_PORTS))

    @property
    def queue_port(self) -> int:
        """The queue service port."""
        return self.ports["Queue"]

    @property
    def blob_port(self) -> int:
        """The blob service port."""
        return self.ports["Blob"]

    @property
    def connection_string(self) -> str:
        """An explicit connection string (``UseDevelopmentStorage=true`` only works on the default ports)."""
        return dev_connection_string(self.host, self.ports)


def cache_dir() -> Path:
    """Where the pinned Azurite is installed: ``$EXCHANGE_CACHE_DIR`` or ``~/.cache/exchange``."""
    base = os.environ.get("EXCHANGE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "exchange"
    )
    return Path(base) / f"azurite-{AZURITE_VERSION}"


def is_listening(host: str, port: int, timeout: float = 0.3) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def answers(endpoints: AzuriteEndpoints, timeout: float = 2.0) -> bool:
    """True when the queue service at ``endpoints`` answers a real request (not just any open port)."""
    if not is_listening(endpoints.host, endpoints.queue_port):
        return False
    from azure.storage.queue import QueueServiceClient

    client = QueueServiceClient.from_connection_string(
        endpoints.connection_string, retry_total=0, connection_timeout=timeout, read_timeout=timeout
    )
    try:
        next(iter(client.list_queues(results_per_page=1)), None)
    except Exception:
        return False
    finally:
        client.close()
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise AzuriteError(
            "Node.js is not installed: Azurite, the storage emulator, runs on Node.js.",
            hint="install Node.js 20 (for example `apt-get install nodejs npm`), or point exchange at a running "
            "storage account with --storage",
        )
    return node


def install(target: Path | None = None, say: Callable[[str], None] | None = None) -> Path:
    """Install the pinned Azurite into ``target`` (the cache by default) unless it is there; return its script.

    npm's progress is said through ``say`` (condensed), and npm is stopped after ``EXCHANGE_NPM_TIMEOUT``
    seconds (default 300) with an error that says how to use an Azurite that runs already.
    """
    from emulator.npm_install import install_lock, install_timeout, npm_install

    target = target or cache_dir()
    script = target / "node_modules" / "azurite" / "dist" / "src" / "azurite.js"
    if script.exists():
        return script
    _node()
    npm = shutil.which("npm")
    if npm is None:
        raise AzuriteError("npm is not installed, so Azurite cannot be installed.", hint="install npm")
    say = say or (lambda _line: None)
    timeout = install_timeout()
    with install_lock(target, say, timeout):  # parallel sessions install once; the others wait and say so
        if script.exists():
            return script
        started = time.monotonic()
        say(f"installing Azurite {AZURITE_VERSION} with npm into {target} (first run only: 35-50 s measured here)")
        npm_install(npm, target, f"azurite@{AZURITE_VERSION}", say, timeout)
        if not script.exists():
            raise AzuriteError(f"npm ran but {script} is missing.", hint=f"delete {target} and run again")
        say(f"Azurite {AZURITE_VERSION} installed in {time.monotonic() - started:.0f} s")
    return script


@dataclass
class AzuriteProcess:
    """An Azurite that this process started."""

    endpoints: AzuriteEndpoints
    location: Path
    pid: int
    _popen: subprocess.Popen[bytes] | None = None
    #: The child as :func:`launch` started it (detached ones too), for :func:`wait_until_answers`.
    launched: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def started_here(self) -> bool:
        """True when this process started it (rather than finding or adopting it)."""
        return self._popen is not None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop gracefully with SIGTERM (Azurite saves its metadata), SIGKILL only if it does not exit."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        if self._popen is not None:
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._popen.kill()
                self._popen.wait()
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process_alive(self.pid):
            time.sleep(0.05)
        if process_alive(self.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child is not alive for our purposes.
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][:1] != "Z"
    return True


def start(
    location: Path,
    endpoints: AzuriteEndpoints | None = None,
    *,
    detach: bool = False,
    log_file: Path | None = None,
    say: Callable[[str], None] | None = None,
) -> AzuriteProcess:
    """Start Azurite with its data in ``location`` and wait until its queue service answers.

    ``endpoints`` defaults to free ports on 127.0.0.1: a port found free can be taken by another process before
    Azurite binds it (parallel test sessions), so then it tries again on other free ports, up to three times.
    Azurite always gets a session of its own, so a Ctrl-C in the terminal does not kill it under workers that are
    still draining: whoever started it stops it. ``detach`` leaves it running past this process (``exchange azurite
    start``).
    """
    if endpoints is not None:
        return _start(location, endpoints, detach=detach, log_file=log_file, say=say)
    for attempt in range(_FREE_PORT_TRIES):
        chosen = AzuriteEndpoints(ports={"Blob": free_port(), "Queue": free_port(), "Table": free_port()})
        try:
            return _start(location, chosen, detach=detach, log_file=log_file, say=say)
        except AzuriteError as error:
            if "EADDRINUSE" not in str(error) or attempt == _FREE_PORT_TRIES - 1:
                raise
    raise AssertionError("unreachable")  # the loop returns or raises


#: How many sets of free ports :func:`start` tries when another process takes one first.
_FREE_PORT_TRIES = 3


def _start(
    location: Path,
    endpoints: AzuriteEndpoints,
    *,
    detach: bool,
    log_file: Path | None,
    say: Callable[[str], None] | None,
) -> AzuriteProcess:
    proc = launch(location, endpoints, detach=detach, log_file=log_file, say=say)
    wait_until_answers(proc, log_file)
    return proc


def launch(
    location: Path,
    endpoints: AzuriteEndpoints,
    *,
    detach: bool = False,
    log_file: Path | None = None,
    say: Callable[[str], None] | None = None,
) -> AzuriteProcess:
    """Start Azurite and return at once, while Node.js boots (a second or more on a busy machine): the caller does
    other work meanwhile and then calls :func:`wait_until_answers` (or hands it to :func:`ensure`)."""
    for kind, port in endpoints.ports.items():
        if is_listening(endpoints.host, port):
            raise AzuriteError(
                f"Cannot start Azurite: port {port} ({kind.lower()} service) on {endpoints.host} is in use.",
                hint="stop what uses it, or let exchange pick free ports",
            )
    script = install(say=say)
    location.mkdir(parents=True, exist_ok=True)
    args = [
        _node(),
        str(script),
        "--silent",
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--location",
        str(location),
    ]
    for kind, port in endpoints.ports.items():
        args += [f"--{kind.lower()}Host", endpoints.host, f"--{kind.lower()}Port", str(port)]
    log = open(log_file or location / "azurite.log", "ab")  # noqa: SIM115 - handed to the child
    popen = subprocess.Popen(
        args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    log.close()
    return AzuriteProcess(endpoints, location, popen.pid, None if detach else popen, popen)


def wait_until_answers(proc: AzuriteProcess, log_file: Path | None = None) -> None:
    """Wait until the Azurite that :func:`launch` started answers; stop it and raise if it exits or takes longer
    than :data:`START_TIMEOUT_S`."""
    import azure.storage.queue  # noqa: F401 - what answers() needs, imported while Node.js boots

    assert proc.launched is not None, "only an Azurite launched by this process can be waited for"
    deadline = time.monotonic() + START_TIMEOUT_S
    while not answers(proc.endpoints):
        if proc.launched.poll() is not None or time.monotonic() > deadline:
            proc.stop(timeout=2)
            tail = (proc.location / "azurite.log").read_text(errors="replace")[-1500:] if log_file is None else ""
            host, port = proc.endpoints.host, proc.endpoints.queue_port
            raise AzuriteError(f"Azurite did not start on {host}:{port}.\n{tail}")
        time.sleep(0.05)


# -- a detached Azurite recorded in a state file (``exchange azurite start|stop|status``) ---------------------


def state_file(project_dir: Path) -> Path:
    """Where a detached Azurite started for ``project_dir`` is recorded."""
    return project_dir / ".exchange" / "azurite.json"


def start_detached(project_dir: Path, endpoints: AzuriteEndpoints | None = None) -> AzuriteProcess:
    """Start an Azurite that outlives this process, with its data under ``project_dir/.exchange/azurite``."""
    proc = start(project_dir / ".exchange" / "azurite", endpoints or AzuriteEndpoints(), detach=True)
    state_file(project_dir).write_text(
        json.dumps({"pid": proc.pid, "location": str(proc.location), **asdict(proc.endpoints)})
    )
    return proc


def recorded(project_dir: Path) -> AzuriteProcess | None:
    """The detached Azurite recorded for ``project_dir``, if its process is still alive."""
    path = state_file(project_dir)
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    if not process_alive(int(data["pid"])):
        path.unlink(missing_ok=True)
        return None
    return AzuriteProcess(AzuriteEndpoints(data["host"], data["ports"]), Path(data["location"]), int(data["pid"]))


def stop_detached(project_dir: Path) -> bool:
    """Stop the detached Azurite recorded for ``project_dir``; False when there was none."""
    proc = recorded(project_dir)
    if proc is None:
        return False
    proc.stop()
    state_file(project_dir).unlink(missing_ok=True)
    return True


def ensure(
    project_dir: Path,
    endpoints: AzuriteEndpoints | None = None,
    say: Callable[[str], None] | None = None,
    *,
    launched: AzuriteProcess | None = None,
) -> tuple[AzuriteEndpoints, AzuriteProcess | None]:
    """An Azurite that answers: one already running at ``endpoints`` (default ports), else a newly started one.

    ``launched`` is one that :func:`launch` started for ``project_dir`` a moment ago (``exchange demo`` starts it
    first thing): it is waited for and returned as if this call had started it. Returns the endpoints and the
    process when this call started it (the caller stops it).
    """
    if launched is not None:
        wait_until_answers(launched)
        _own(project_dir, launched)
        return launched.endpoints, launched
    endpoints = endpoints or AzuriteEndpoints()
    if answers(endpoints):
        return endpoints, _adopt_orphan(project_dir, endpoints)
    if any(is_listening(endpoints.host, port) for port in endpoints.ports.values()):
        raise StorageUnavailableError(
            f"Something listens on {endpoints.host}:{endpoints.queue_port} but it is not a working Azurite queue "
            "service.",
            hint="stop it, or pass --storage with a connection string to the storage you want to use",
        )
    proc = start(project_dir / ".exchange" / "azurite", endpoints, say=say)
    _own(project_dir, proc)
    return endpoints, proc


# -- an Azurite that ``ensure`` started, recorded with its owner, so a killed owner's Azurite is not orphaned -----


def owner_file(project_dir: Path) -> Path:
    """Where ``ensure`` records the Azurite it started and the process that owns (and will stop) it."""
    return project_dir / ".exchange" / "azurite-owner.json"


def _own(project_dir: Path, proc: AzuriteProcess) -> None:
    record = {"pid": proc.pid, "owner": os.getpid(), "location": str(proc.location), **asdict(proc.endpoints)}
    owner_file(project_dir).write_text(json.dumps(record))


def disown(project_dir: Path) -> None:
    """Forget the record (the owner stopped its Azurite)."""
    owner_file(project_dir).unlink(missing_ok=True)


def _adopt_orphan(project_dir: Path, endpoints: AzuriteEndpoints) -> AzuriteProcess | None:
    """The running Azurite at ``endpoints`` when an owner that was killed started it: this process owns it now
    (and stops it on the way out). None when someone else runs it (a live owner, ``exchange azurite start``, ...)."""
    try:
        record = json.loads(owner_file(project_dir).read_text())
        pid, owner, ports = int(record["pid"]), int(record["owner"]), record["ports"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if process_alive(owner) or not process_alive(pid) or ports != endpoints.ports:
        return None
    proc = AzuriteProcess(endpoints, Path(record["location"]), pid)
    _own(project_dir, proc)
    return proc
