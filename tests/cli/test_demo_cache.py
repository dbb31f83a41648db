"""The rendered demo kept in exchange's cache: a later demo is a copy that reads exactly as a render would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from exchange_cli.demo import cache
from exchange_cli.demo.workspace import prepare

pytestmark = pytest.mark.subprocess  # copier and git run


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` but git's, by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


@pytest.fixture
def demo_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An exchange cache of this test's own (the demo cache lives in it)."""
    monkeypatch.setenv("EXCHANGE_CACHE_DIR", str(tmp_path / "exchange-cache"))
    return tmp_path / "exchange-cache" / "demo"


def test_a_second_demo_is_a_copy_of_the_first_render_byte_for_byte(tmp_path: Path, demo_cache: Path) -> None:
    rendered = prepare(tmp_path / "one" / "exchange-demo")
    assert [p.name for p in demo_cache.iterdir()] == [cache.key("exchange-demo")]

    copied = prepare(tmp_path / "two" / "exchange-demo")

    assert copied.created
    assert files(copied.root) == files(rendered.root)
    assert (copied.root / ".git").is_dir()  # git init, as for a generated workspace
    assert not list(demo_cache.rglob(".git")) and not list(demo_cache.rglob(".exchange"))


def test_a_copy_names_the_template_repositories_in_use_now(
    tmp_path: Path, demo_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(tmp_path / "one" / "exchange-demo")
    other = tmp_path / "other-template-cache"
    monkeypatch.setenv("EXCHANGE_TEMPLATE_CACHE", str(other))

    copied = prepare(tmp_path / "two" / "exchange-demo")

    answers = [yaml.safe_load(p.read_text()) for p in copied.root.rglob(".copier-answers*.yml")]
    assert len(answers) == 10
    for recorded in answers:
        repo = Path(recorded["_src_path"])
        assert repo.parent == other
        tags = subprocess.run(["git", "tag", "--list"], cwd=repo, capture_output=True, text=True, check=True)
        assert recorded["_commit"] in tags.stdout.split()


def test_a_copy_for_another_port_is_what_a_render_for_that_port_writes(tmp_path: Path, demo_cache: Path) -> None:
    prepare(tmp_path / "one" / "exchange-demo", http_port=7071)
    copied = prepare(tmp_path / "two" / "exchange-demo", http_port=7172)
    shutil.rmtree(demo_cache)

    rendered = prepare(tmp_path / "three" / "exchange-demo", http_port=7172)

    assert files(copied.root) == files(rendered.root)
    assert "http://127.0.0.1:7172/api/orders" in (copied.root / "DEMO.md").read_text()


def test_the_cache_key_follows_the_folder_name() -> None:
    assert cache.key("exchange-demo") != cache.key("coffee")
    assert cache.key("exchange-demo") == cache.key("exchange-demo")
