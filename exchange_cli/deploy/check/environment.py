"""Clean Python environments holding only a package's requirements, as Azure's remote build installs them.

One venv per (Python version, requirements text, extra packages), kept under exchange's cache and named by a hash
of them, so a second check of the same requirements starts at once. A venv is built in a scratch folder and
renamed into place when complete, so an interrupted or concurrent build never leaves a half-made one behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from emulator.azurite import cache_dir
from exchange_cli.deploy.errors import DeployError

#: azure-functions-runtime's API is internal (FIELD-NOTES): pin the minor version exchange was checked against.
RUNTIME_REQUIREMENT = "azure-functions-runtime==1.3.*"


@dataclass(frozen=True)
class CleanPython:
    """A venv with a package's requirements installed, or why they did not install."""

    #: Its interpreter (None when the requirements did not install).
    python: Path | None
    #: pip's error output when the requirements did not install.
    pip_error: str = ""


def find_python313() -> Path | None:
    """A working Python 3.13 or newer (Azure's worker for those versions is azure-functions-runtime), or None."""
    for name in ("python3.14", "python3.13"):
        found = shutil.which(name)
        if found and _runs(Path(found)):
            return Path(found)
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    for candidate in sorted(Path(pyenv_root).glob("versions/3.1[3-9]*/bin/python3"), reverse=True):
        if _runs(candidate):  # a pyenv shim refuses a version that is not selected; the install itself works
            return candidate
    return None


def _runs(python: Path) -> bool:
    try:
        done = subprocess.run([str(python), "-c", "import venv"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def clean_python(requirements: Path, *, base: Path | None = None, extra: tuple[str, ...] = ()) -> CleanPython:
    """A venv of ``base`` (default: this interpreter) with ``requirements`` and ``extra`` installed, cached."""
    base = base or Path(sys.executable)
    version = _version(base)
    text = requirements.read_text(encoding="utf-8") if requirements.is_file() else ""
    key = hashlib.sha256("\n".join([version, text, *extra]).encode()).hexdigest()[:16]
    root = cache_dir().parent / "check-venvs"  # next to Azurite, in exchange's cache
    target = root / f"py{version}-{key}"
    if (target / "bin" / "python").exists():
        return CleanPython(target / "bin" / "python")
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=root))
    try:
        error = _build(base, scratch, requirements if text else None, extra)
        if error:  # not cached: the user fixes requirements.txt and checks again
            return CleanPython(None, pip_error=error)
        scratch.rename(target)  # the venv only runs as bin/python -m ...: its recorded paths do not matter
    except OSError:
        if not (target / "bin" / "python").exists():
            raise
    finally:  # lost a race with a concurrent check, or failed: the scratch venv goes
        shutil.rmtree(scratch, ignore_errors=True)
    return CleanPython(target / "bin" / "python")


def _version(python: Path) -> str:
    done = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise DeployError(f"{python} does not run: {done.stderr.strip()}", hint="install Python 3.11 or newer")
    return done.stdout.strip()


def _build(base: Path, folder: Path, requirements: Path | None, extra: tuple[str, ...]) -> str:
    """Make the venv and install into it; pip's error output, or "" on success."""
    subprocess.run([str(base), "-m", "venv", "--clear", str(folder)], capture_output=True, check=True)
    wanted = (["-r", str(requirements)] if requirements else []) + list(extra)
    if not wanted:
        return ""
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = subprocess.run([*pip, *wanted], capture_output=True, text=True, check=False)
    return "" if done.returncode == 0 else (done.stderr.strip() or done.stdout.strip())[-3000:]
