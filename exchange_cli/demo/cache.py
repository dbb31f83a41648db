"""The rendered demo, kept in exchange's cache: a later ``exchange demo`` copies it instead of rendering it again.

Generating the demo runs copier eleven times (workspace, customer, four processors and their wiring, the demo's
own code): seconds on a busy machine, most of the wait for the first order. What comes out depends only on the
installed templates and the code that drives them, the folder's name (the project name) and the HTTP port, so
it is rendered once per such :func:`key` into ``<exchange cache>/demo/<key>/`` and copied from there. The port
appears once, in DEMO.md's ``curl`` example: a copy for another port gets that line rewritten (a test renders both
ways and compares), so ``--port`` or a free port does not make every run render again.

A copy is what a render would have written: the answers files name this user's template repositories and their
tags (:func:`restamp` brings them up to date when the cached ones differ, e.g. another ``EXCHANGE_TEMPLATE_CACHE``),
and the workspace gets its ``git init`` as a new one does.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
from pathlib import Path

from exchange_cli.scaffold.render import ANSWERS_HEADER
from exchange_cli.scaffold.source import (
    current_version,
    exchange_version,
    installed_templates,
    template_name,
    template_source,
)

#: The templates the demo is made from.
TEMPLATES = ("workspace", "customer", "processor", "wiring", "demo")
#: Beside the cached tree (``demo/``): the HTTP port it was rendered for.
PORT_FILE = "http_port"
#: What a copy leaves out: git's and the host's state, bytecode.
_NOT_CACHED = shutil.ignore_patterns(".git", ".exchange", "__pycache__")


def cache_dir() -> Path:
    """``<exchange cache>/demo``: beside the pinned Azurite (``$EXCHANGE_CACHE_DIR`` or ``~/.cache/exchange``)."""
    from emulator.azurite import cache_dir as azurite_dir

    return azurite_dir().parent / "demo"


def _hash_tree(sha: hashlib._Hash, folder: Path, pattern: str = "*") -> None:
    for path in sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
        sha.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")


def key(folder_name: str) -> str:
    """What the rendered demo depends on, but the port: exchange's version, the templates and the code that renders
    them (the scaffolding library and the demo's workspace module), the folder's name."""
    sha = hashlib.sha256(f"{exchange_version()}\0{folder_name}\0".encode())
    templates = installed_templates()
    for name in TEMPLATES:
        _hash_tree(sha, templates / name)
    package = Path(__file__).resolve().parents[1]
    _hash_tree(sha, package / "scaffold", "*.py")
    sha.update((package / "demo" / "workspace.py").read_bytes())
    return sha.hexdigest()[:32]


def _curl_url(http_port: int) -> str:
    """How DEMO.md names the order endpoint's host and port (``templates/demo/template/DEMO.md.jinja``)."""
    return f"http://127.0.0.1:{http_port}/"


def copy_cached(folder: Path, http_port: int) -> bool:
    """Copy the cached demo for ``folder`` into it (empty or new); False when none is cached."""
    cached = cache_dir() / key(folder.name)
    try:
        rendered_port = int((cached / PORT_FILE).read_text())
    except (OSError, ValueError):
        return False
    shutil.copytree(cached / "demo", folder, dirs_exist_ok=True)
    if rendered_port != http_port:
        guide = folder / "DEMO.md"
        text = guide.read_text(encoding="utf-8").replace(_curl_url(rendered_port), _curl_url(http_port))
        guide.write_text(text, encoding="utf-8")
    return True


def save(folder: Path, http_port: int) -> None:
    """Keep the demo just generated in ``folder`` (for ``http_port``) for the next run (best effort: a cache that
    cannot be written only means the next run renders again)."""
    target = cache_dir() / key(folder.name)
    if target.exists():
        return
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".saving-", dir=target.parent))
        try:
            shutil.copytree(folder, scratch / "demo", ignore=_NOT_CACHED)
            (scratch / PORT_FILE).write_text(str(http_port))
            scratch.rename(target)  # atomic: a reader sees all of it or nothing
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)


def restamp(folder: Path) -> None:
    """Point every answers file under ``folder`` at this user's template repository and its current tag, as a
    render now would record them (one ``git describe`` per template; files that already do are left alone)."""
    import yaml

    current: dict[str, tuple[str, str]] = {}
    for answers_file in sorted(folder.rglob(".copier-answers*.yml")):
        answers = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
        name = template_name(str(answers.get("_src_path", "")))
        if name is None:
            continue
        if name not in current:  # mirrors the installed files into the repository if it lacks them
            current[name] = (template_source(name), current_version(name))
        if (answers.get("_src_path"), str(answers.get("_commit"))) == current[name]:
            continue
        answers["_src_path"], answers["_commit"] = current[name]
        text = yaml.safe_dump(answers, sort_keys=True, default_flow_style=False, allow_unicode=True)
        answers_file.write_text(ANSWERS_HEADER + text, encoding="utf-8")
