"""Install an npm package into a folder, visibly and within a time limit (used for the pinned Azurite).

npm has no overall timeout of its own: with the registry unreachable it retries and waits for minutes. This runs
it with its HTTP log on, condenses that into a progress line every few seconds (npm's warnings and its summary
pass through as they are), stops it after ``timeout`` seconds, and says what went wrong. Parallel installs into
the same folder take turns on a lock file; whoever waits says so.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from framework.errors import ExchangeError

#: Seconds an install may take before it is stopped (``EXCHANGE_NPM_TIMEOUT`` overrides).
DEFAULT_TIMEOUT_S = 300.0
#: Seconds between condensed progress lines.
PROGRESS_EVERY_S = 5.0
_FETCH = re.compile(r"^npm http fetch (GET|POST) (\d{3}) (\S+)")


class NpmInstallError(ExchangeError):
    """npm did not install the package (unreachable registry, timeout, npm's own error)."""


def install_timeout() -> float:
    """The install time limit: ``EXCHANGE_NPM_TIMEOUT`` seconds, else :data:`DEFAULT_TIMEOUT_S`."""
    try:
        return float(os.environ.get("EXCHANGE_NPM_TIMEOUT", DEFAULT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_TIMEOUT_S


@contextlib.contextmanager
def install_lock(target: Path, say: Callable[[str], None], timeout: float) -> Iterator[None]:
    """Hold ``target/.install.lock``; while another process holds it, say so once and wait up to ``timeout``."""
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".install.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another exchange to finish installing Azurite into {target}")
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise NpmInstallError(
                            f"Another exchange has been installing Azurite into {target} for {timeout:.0f} s.",
                            hint="let it finish (or stop it) and run again; EXCHANGE_NPM_TIMEOUT sets the limit",
                        ) from None
                    time.sleep(0.2)
        yield


def _registry(env: dict[str, str]) -> str:
    for key in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        if env.get(key):
            return env[key]
    return "the npm registry (npm config get registry)"


class _Progress:
    """Condenses npm's HTTP log lines into one line every few seconds; passes everything else through."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.fetched = 0
        self.last_fetch = ""
        self.tail: list[str] = []
        self._next = time.monotonic() + PROGRESS_EVERY_S
        self.started = time.monotonic()

    def line(self, text: str) -> None:
        text = text.rstrip()
        if not text:
            return
        self.tail = [*self.tail[-30:], text]
        fetch = _FETCH.match(text)
        if fetch:
            self.fetched += 1
            self.last_fetch = fetch.group(3).rsplit("/", 1)[-1]
        elif not text.startswith(("npm http", "npm timing", "npm verbose", "npm info")):
            self.say(f"npm: {text[:160]}")
        self.tick()

    def tick(self) -> None:
        if time.monotonic() >= self._next:
            self._next = time.monotonic() + PROGRESS_EVERY_S
            last = f", last {self.last_fetch}" if self.last_fetch else ", nothing received yet"
            self.say(f"npm: {self.fetched} download(s) in {time.monotonic() - self.started:.0f} s{last}")


def npm_install(npm: str, target: Path, spec: str, say: Callable[[str], None], timeout: float) -> None:
    """``npm install spec`` into ``target``, its progress said through ``say``, stopped after ``timeout`` s."""
    env = dict(os.environ)
    args = [npm, "install", "--no-audit", "--no-fund", "--progress=false", "--loglevel=http", "--prefix", str(target)]
    proc = subprocess.Popen(
        [*args, spec],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        start_new_session=True,  # its whole process group is stopped on a timeout
        env=env,
    )
    progress = _Progress(say)

    def read() -> None:
        for text in proc.stdout or []:
            progress.line(text)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        code = _wait(proc, progress, timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        reached = "but got nothing" if progress.fetched == 0 else f"and got {progress.fetched} download(s)"
        raise NpmInstallError(
            f"npm did not finish installing {spec} within {timeout:.0f} s: it tried {_registry(env)} {reached}; "
            "the registry looks unreachable.",
            hint=_HINT,
        ) from None
    finally:
        reader.join(timeout=2)
    if code != 0:
        tail = "\n".join(progress.tail[-12:])
        raise NpmInstallError(f"npm could not install {spec} into {target} (exit {code}):\n{tail}", hint=_HINT)


def _wait(proc: subprocess.Popen[str], progress: _Progress, timeout: float) -> int:
    """Wait for npm, saying how it is going every few seconds even while it prints nothing."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return proc.wait(max(0.0, min(0.5, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            if time.monotonic() >= deadline:
                raise
            progress.tick()


_HINT = (
    "check the network and npm's registry (npm config get registry), then run again; or use an Azurite (or a "
    "storage account) that runs already: pass --storage CONN|@FILE or set EXCHANGE_STORAGE; EXCHANGE_CACHE_DIR "
    "says where exchange keeps its Azurite, EXCHANGE_NPM_TIMEOUT how long npm may take"
)
