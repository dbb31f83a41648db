"""Clean environments for `exchange check`: built once per requirements text, reused after, failures reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange_cli.deploy.check.environment import clean_python

pytestmark = pytest.mark.subprocess


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXCHANGE_CACHE_DIR", str(tmp_path / "cache"))


def test_the_same_requirements_reuse_the_venv_and_other_requirements_get_their_own(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# nothing to install\n")

    first = clean_python(requirements)
    assert first.python is not None
    stamp = first.python.parent.parent.joinpath("pyvenv.cfg").stat().st_mtime_ns
    again = clean_python(requirements)
    requirements.write_text("croniter>=2.0\n")
    other = clean_python(requirements)

    assert again.python == first.python
    assert first.python.parent.parent.joinpath("pyvenv.cfg").stat().st_mtime_ns == stamp
    assert other.python is not None and other.python != first.python
    venvs = sorted(p.name for p in (tmp_path / "cache" / "check-venvs").iterdir())
    assert len(venvs) == 2 and all(not name.startswith(".") for name in venvs)  # no scratch venv left behind


def test_requirements_that_do_not_install_give_pips_error_and_leave_nothing_cached(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("this is not a requirement!\n")

    env = clean_python(requirements)

    assert env.python is None
    assert "this is not a requirement!" in env.pip_error
    assert list((tmp_path / "cache" / "check-venvs").iterdir()) == []
