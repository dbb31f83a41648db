"""Installing Azurite with a real npm whose registry refuses or hangs: a clear error in time, progress said."""

from __future__ import annotations

import fcntl
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import azurite
from emulator.azurite import free_port
from emulator.npm_install import NpmInstallError

pytestmark = [pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm"), pytest.mark.subprocess]


@pytest.fixture
def isolated_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty exchange cache and npm cache, so nothing is found installed or cached."""
    monkeypatch.setenv("EXCHANGE_CACHE_DIR", str(tmp_path / "exchange-cache"))
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    monkeypatch.setenv("EXCHANGE_NPM_TIMEOUT", "8")
    return tmp_path


@pytest.fixture
def hanging_registry() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/"


def test_a_refusing_registry_fails_with_what_to_do(isolated_npm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{free_port()}/")
    said: list[str] = []

    with pytest.raises(NpmInstallError) as caught:
        azurite.install(say=said.append)

    error = caught.value
    assert "npm could not install azurite@3.35.0" in error.message
    assert "ECONNREFUSED" in error.message
    assert error.hint and "--storage" in error.hint and "EXCHANGE_CACHE_DIR" in error.hint
    assert said[0].startswith("installing Azurite 3.35.0 with npm into ")
    assert any(line.startswith("npm: ") for line in said)  # npm's own words, passed through


def test_a_hanging_registry_is_stopped_after_the_timeout(
    isolated_npm: Path, hanging_registry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("npm_config_registry", hanging_registry)
    monkeypatch.setenv("EXCHANGE_NPM_TIMEOUT", "6")
    said: list[str] = []
    started = time.monotonic()

    with pytest.raises(NpmInstallError) as caught:
        azurite.install(say=said.append)

    assert time.monotonic() - started < 20
    assert "npm did not finish installing azurite@3.35.0 within 6 s" in caught.value.message
    assert f"it tried {hanging_registry} but got nothing; the registry looks unreachable" in caught.value.message
    assert any("download(s) in" in line for line in said)  # the condensed progress line, every 5 s
    assert not (azurite.cache_dir() / "node_modules" / "azurite" / "dist").exists()


def test_a_second_install_says_it_waits_for_the_first(isolated_npm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXCHANGE_NPM_TIMEOUT", "1")
    target = azurite.cache_dir()
    target.mkdir(parents=True)
    said: list[str] = []
    with open(target / ".install.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another exchange is installing
        with pytest.raises(NpmInstallError, match="Another exchange has been installing Azurite"):
            azurite.install(say=said.append)

    assert said == [f"waiting for another exchange to finish installing Azurite into {target}"]
