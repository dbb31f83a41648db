"""Helpers for the emulator tests: deployments from fixture apps, waiting on conditions (hosts:
emulator.testing.host)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, TypeVar

from emulator.testing.host import RunningHost, running, wait_for
from framework.queues import Encoding, encode_body, send_text
from framework.storage import queue_client

APPS = Path(__file__).parent / "apps"
T = TypeVar("T")


def deploy(app: str, target: Path, *, host: dict[str, Any] | None = None, values: dict[str, str] | None = None) -> Path:
    """Copy fixture app ``app`` into ``target`` with a host.json and a local.settings.json."""
    shutil.copytree(APPS / app, target, dirs_exist_ok=True)
    (target / "host.json").write_text(json.dumps({"version": "2.0", **(host or {})}))
    settings = {"IsEncrypted": False, "Values": {"FUNCTIONS_WORKER_RUNTIME": "python", **(values or {})}}
    (target / "local.settings.json").write_text(json.dumps(settings))
    return target


def send(conn: str, queue: str, body: str | bytes, *, encoding: Encoding = "base64") -> str:
    """Put ``body`` on ``queue`` as the host expects it (base64 by default)."""
    client = queue_client(queue, conn)
    try:
        return send_text(client, encode_body(body, encoding))
    finally:
        client.close()


__all__ = ["APPS", "RunningHost", "deploy", "running", "send", "wait_for"]
