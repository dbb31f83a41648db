"""Fixtures for the CLI tests: a private template cache, a CliRunner, a snapshot of a folder, and workspaces
rendered once per session that tests copy (a render costs copier's imports and ~0.2-0.5 s; a copy milliseconds)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from exchange_cli.main import cli

GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One template cache for the session: mirroring the templates once is part of the first render only."""
    return tmp_path_factory.mktemp("template-cache")


@pytest.fixture(autouse=True)
def _private_template_cache(template_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("EXCHANGE_TEMPLATE_CACHE", str(template_cache))
    monkeypatch.delenv("EXCHANGE_TEMPLATES", raising=False)
    yield


@pytest.fixture
def exchange() -> Callable[..., Result]:
    """``exchange("new", "customer", "acme", "--path", ...)`` runs the real CLI in-process."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return run


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (git's internals included) and its content."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def files(root: Path) -> list[str]:
    """Relative paths of the files under ``root``, outside .git."""
    return sorted(p for p in snapshot(root) if not p.startswith(".git/"))


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a test identity and return its output."""
    done = subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def commit_all(cwd: Path, message: str = "generated") -> None:
    """Commit everything in the repository at ``cwd``."""
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message)


def acme_orders_workspace(root: Path, template_cache: Path) -> Path:
    """A committed workspace at ``root``: customer acme with one queue processor, orders (for session fixtures,
    which cannot use the per-test template cache fixture)."""
    from exchange_cli.scaffold import new_customer, new_processor

    root.mkdir(parents=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXCHANGE_TEMPLATE_CACHE", str(template_cache))
        new_customer(root, "acme")
        new_processor(root, "orders", customer="acme", trigger="queue")
    commit_all(root)
    return root


def copy_workspace(base: Path, into: Path) -> Path:
    """A private copy of the workspace ``base`` at ``into`` (git history included), indistinguishable to git.

    A copy has new inodes and change times, so git's index no longer matches the files' stat data; refreshing it
    here keeps the first ``git status`` of the test from rewriting ``.git/index``, as it would not on the original.
    """
    shutil.copytree(base, into, symlinks=True)
    if (into / ".git" / "index").is_file():
        git(into, "update-index", "-q", "--refresh")
    return into


def _render_session_workspace(root: Path, template_cache: Path, *commands: list[str]) -> Path:
    """Run ``exchange`` ``commands`` in ``root`` with the session's template cache (no per-test fixture here)."""
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXCHANGE_TEMPLATE_CACHE", str(template_cache))
        patch.delenv("EXCHANGE_TEMPLATES", raising=False)
        for command in commands:
            result = runner.invoke(cli, [*command, "--path", str(root)], catch_exceptions=False)
            assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="session")
def acme_workspace(tmp_path_factory: pytest.TempPathFactory, template_cache: Path) -> Path:
    """What ``exchange new customer acme`` makes in an empty folder, rendered once per session: copy it."""
    root = tmp_path_factory.mktemp("acme-workspace")
    return _render_session_workspace(root, template_cache, ["new", "customer", "acme"])


@pytest.fixture(scope="session")
def acme_orders_base(tmp_path_factory: pytest.TempPathFactory, template_cache: Path) -> Path:
    """:func:`acme_orders_workspace`, made once per session: copy it with :func:`copy_workspace`."""
    return acme_orders_workspace(tmp_path_factory.mktemp("acme-orders") / "ws", template_cache)
