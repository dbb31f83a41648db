"""Serve the templates that ship inside the wheel to copier as a tagged git repository.

copier only updates a project from a *git* template, and only to tagged versions. The templates ship as plain
files inside the installed package, so each one is mirrored into a git repository in the user's cache
(``~/.cache/exchange/templates/<name>``), committed and tagged ``<exchange version>.post<n>`` whenever the installed
files differ from the last mirrored ones. Every render uses that repository, so each generated project records a
tag that a later ``exchange update`` can diff against. The path is recorded as ``~/...`` when it is under the home
folder, so answers files stay valid for every user of a repository.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from exchange_cli.scaffold.errors import ScaffoldError

TEMPLATE_NAMES = ("workspace", "customer", "processor", "wiring")
#: Identity and settings for the cache repository's commits, whatever the user's git configuration says.
_GIT = ["git", "-c", "user.name=exchange", "-c", "user.email=exchange@localhost", "-c", "commit.gpgsign=false"]
_GIT += ["-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main", "-c", "core.autocrlf=false"]


def _bundled_templates() -> Path:
    """Inside an installed wheel, ``exchange_cli/_templates``; in a checkout (editable install), ``templates/``."""
    package = Path(__file__).resolve().parents[1]
    in_wheel = package / "_templates"
    return in_wheel if in_wheel.is_dir() else package.parent / "templates"


def installed_templates() -> Path:
    """The templates folder: ``$EXCHANGE_TEMPLATES`` (for template development), else the installed exchange's."""
    explicit = os.environ.get("EXCHANGE_TEMPLATES")
    path = Path(explicit) if explicit else _bundled_templates()
    if not (path / "customer" / "copier.yml").is_file():
        raise ScaffoldError(
            f"exchange's templates are missing from {path}.",
            hint="unset EXCHANGE_TEMPLATES" if explicit else "reinstall exchange",
        )
    return path


def cache_root() -> Path:
    """Where template repositories live: ``$EXCHANGE_TEMPLATE_CACHE``, else ``<exchange cache>/templates``."""
    explicit = os.environ.get("EXCHANGE_TEMPLATE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("EXCHANGE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "exchange"
    )
    return Path(base) / "templates"


def exchange_version() -> str:
    """The installed exchange's release (``0.1.0``), without local or dev parts, for tags and dependencies."""
    from packaging.version import Version

    try:
        return Version(version("exchange")).base_version
    except PackageNotFoundError:
        return "0.0.0"


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its output, stripped of surrounding whitespace.

    A failure raises :class:`ScaffoldError` with git's message.
    """
    done = subprocess.run([*_GIT, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ScaffoldError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout.strip()


def _digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        sha.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # two exchange commands at once must not tag twice
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _mirror(source: Path, repo: Path, digest: str) -> None:
    """Replace the repository's files with ``source``'s, commit and tag a new version."""
    if not (repo / ".git").is_dir():
        repo.mkdir(parents=True, exist_ok=True)
        git(repo, "init", "-q")
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(source, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "add", "-A")
    tags = git(repo, "tag", "--list").split()
    tag = f"{exchange_version()}.post{len(tags) + 1}"
    git(repo, "commit", "-q", "--allow-empty", "-m", f"exchange {exchange_version()} templates ({tag})")
    git(repo, "tag", tag)
    (repo / ".git" / "exchange-digest").write_text(digest)


def template_source(name: str) -> str:
    """The copier source for template ``name``: its cache repository, mirrored from the installed files."""
    source = installed_templates() / name
    repo = cache_root() / name
    digest = _digest(source)
    marker = repo / ".git" / "exchange-digest"
    if not marker.is_file() or marker.read_text() != digest:
        with _locked(cache_root() / f".{name}.lock"):
            if not marker.is_file() or marker.read_text() != digest:
                _mirror(source, repo, digest)
    return display_path(repo)


def current_version(name: str) -> str:
    """The tag of the newest mirrored version of template ``name`` (after :func:`template_source` ran)."""
    return git(cache_root() / name, "describe", "--tags", "--exact-match", "HEAD")


def display_path(path: Path) -> str:
    """``path`` as ``~/...`` when it is under the home folder (what copier records in answers files)."""
    home = Path.home()
    return f"~/{path.relative_to(home).as_posix()}" if path.is_relative_to(home) else path.as_posix()


def template_name(src_path: str) -> str | None:
    """Which of exchange's templates a recorded ``_src_path`` points at, or None for a foreign template."""
    name = Path(src_path).name
    return name if name in TEMPLATE_NAMES else None
