"""The worker process serves HTTP functions, on its own port or on a socket the supervisor bound and passed down."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from support import deploy

from emulator.dev.protocol import Ready, decode_event

pytestmark = pytest.mark.azurite


def start_worker(deployment: Path, storage: str, *args: str, pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "emulator.dev.worker", str(deployment), "--storage", storage, *args]
    log = (deployment / "worker.log").open("a")  # a file, not a pipe nobody reads (it could fill and block)
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, pass_fds=pass_fds)


def ready_line(worker: subprocess.Popen[str]) -> Ready:
    assert worker.stdout is not None
    line = worker.stdout.readline()  # the worker prints exactly one line when it is ready (or failed)
    event = decode_event(line)
    assert isinstance(event, Ready), event
    return event


def stop(worker: subprocess.Popen[str]) -> int:
    worker.send_signal(signal.SIGTERM)
    return worker.wait(timeout=30)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        body: bytes = response.read()
        return body.decode()


def test_worker_serves_http_functions_on_the_port_it_is_given(tmp_path: Path, storage_connection_string: str) -> None:
    deployment = deploy("web", tmp_path / "web")
    worker = start_worker(deployment, storage_connection_string, "--port", "0")
    try:
        event = ready_line(worker)
        assert get(f"{event.http}/api/hello?name=worker") == "Hello, worker"
    finally:
        assert stop(worker) == 0


def test_worker_serves_a_listening_socket_bound_by_the_supervisor(
    tmp_path: Path, storage_connection_string: str
) -> None:
    deployment = deploy("web", tmp_path / "web")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    os.set_inheritable(listener.fileno(), True)
    try:
        for generation in ("first", "second"):  # a reload: a fresh worker on the very same socket
            worker = start_worker(
                deployment,
                storage_connection_string,
                "--http-fd",
                str(listener.fileno()),
                pass_fds=(listener.fileno(),),
            )
            try:
                ready_line(worker)
                assert get(f"http://127.0.0.1:{port}/api/hello?name={generation}") == f"Hello, {generation}"
            finally:
                assert stop(worker) == 0
    finally:
        listener.close()
