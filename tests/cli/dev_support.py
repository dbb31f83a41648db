"""Running the real ``exchange dev`` in a subprocess for the CLI tests."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import TypeVar

from emulator.azurite import free_port
from emulator.testing.host import wait_for

APPS = Path(__file__).parent / "apps"
T = TypeVar("T")


def make_deployment(
    target: Path, app: str = "reloadable", values: dict[str, str] | None = None, apps: Path = APPS
) -> Path:
    """Copy fixture app ``app`` (a folder under ``apps``) into ``target`` with host.json and local.settings.json."""
    shutil.copytree(apps / app, target)
    (target / "host.json").write_text(json.dumps({"version": "2.0"}))
    settings = {"IsEncrypted": False, "Values": {"FUNCTIONS_WORKER_RUNTIME": "python", **(values or {})}}
    (target / "local.settings.json").write_text(json.dumps(settings))
    return target


def http_get(url: str) -> str | None:
    """The body of a GET, or None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return str(resp.read().decode())
    except (urllib.error.URLError, OSError):
        return None


class ExchangeProcess:
    """An ``exchange`` command run as a user runs it, in a subprocess, with its output in a file."""

    def __init__(self, log_path: Path, *args: str) -> None:
        self.log_path = log_path
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "exchange_cli", *args],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        wait_for(lambda: text in self.log() or self.proc.poll() is not None, timeout, f"{text!r} in the log")
        assert text in self.log(), self.log()

    def interrupt(self, timeout: float = 30.0) -> int:
        """Ctrl-C, as a user would; the exit code."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


class DevProcess(ExchangeProcess):
    """``exchange dev DEPLOYMENT --no-tui --port P --storage S``."""

    def __init__(self, deployment: Path, storage: str, *extra: str) -> None:
        self.port = free_port()
        args = ["dev", str(deployment), "--no-tui", "--port", str(self.port), "--storage", storage, *extra]
        super().__init__(deployment.parent / f"{deployment.name}-dev.log", *args)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
