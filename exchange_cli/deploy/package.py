"""``exchange package CUSTOMER``: one customer's deployment as the folder Azure Functions deploys as it is.

Locally a deployment's ``function_app.py`` finds the shared ``processors`` package at the workspace root; Azure
receives only the deployment folder. The package is ``deployments/CUSTOMER/azure/`` with ``processors/`` and the
installed exchange's ``framework/`` copied in, minus local state (settings, caches, tests). Its
``requirements.txt`` is the deployment's own: the remote build installs it.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from exchange_cli.deploy.errors import DeployError
from exchange_cli.scaffold.names import validate_customer
from exchange_cli.scaffold.workspace import deployment_dir

#: Never shipped: local secrets and settings, caches, tests, copier's answers.
IGNORED = ("local.settings.json", "__pycache__", "*.pyc", ".venv", ".exchange", "tests", ".copier-answers*")


@dataclass(frozen=True)
class Packaged:
    """A packaged deployment and where its parts came from."""

    #: The customer.
    customer: str
    #: The packaged folder (what Azure deploys).
    folder: Path
    #: Folder in the package (relative, "." for its root) -> the folder it was copied from.
    sources: dict[str, Path]

    def source_of(self, path: Path) -> Path:
        """The file a packaged ``path`` was copied from; the packaged path itself when it has no source."""
        relative = path.relative_to(self.folder)
        top = relative.parts[0] if len(relative.parts) > 1 else "."
        if top != "." and top in self.sources:
            source = self.sources[top].joinpath(*relative.parts[1:])
        else:
            source = self.sources.get(".", self.folder) / relative
        return source if source.exists() else path


def framework_dir() -> Path:
    """The installed ``framework`` package (it ships inside the exchange distribution)."""
    spec = importlib.util.find_spec("framework")
    if spec is None or spec.origin is None:  # pragma: no cover - exchange itself runs from it
        raise DeployError("The framework package is not installed.", hint="pip install exchange")
    return Path(spec.origin).parent


def app_dir(workspace: Path, customer: str) -> Path:
    """The customer's Azure Functions app folder; an error naming it when there is none."""
    validate_customer(customer)
    folder = deployment_dir(workspace, customer)
    if not (folder / "function_app.py").is_file():
        known = customers(workspace)
        raise DeployError(
            f"No deployment for customer {customer!r}: {folder / 'function_app.py'} does not exist.",
            hint=f"customers in this workspace: {', '.join(known) or 'none'}; "
            f"create one with `exchange new customer {customer}`",
        )
    return folder


def package(workspace: Path, customer: str, out: Path | None = None) -> Packaged:
    """Assemble ``customer``'s deployable folder at ``out`` (default ``dist/CUSTOMER``), replacing it."""
    source = app_dir(workspace, customer)
    out = (out or workspace / "dist" / customer).resolve()
    if out == workspace.resolve() or workspace.resolve().is_relative_to(out) or out.is_relative_to(source):
        raise DeployError(
            f"Cannot package into {out}: it holds the workspace or the deployment itself.",
            hint="pass --out a folder outside deployments/ (default: dist/CUSTOMER)",
        )
    if out.exists():
        shutil.rmtree(out)
    ignore = shutil.ignore_patterns(*IGNORED)
    sources = _sources(workspace, customer)
    shutil.copytree(source, out, ignore=ignore)
    for name in ("processors", "framework"):
        if sources[name].is_dir():
            shutil.copytree(sources[name], out / name, ignore=ignore, dirs_exist_ok=True)
    return Packaged(customer=customer, folder=out, sources=sources)


def packaged_at(workspace: Path, customer: str, folder: Path) -> Packaged:
    """``customer``'s deployment as packaged (by :func:`package`) into ``folder``."""
    if not (folder / "function_app.py").is_file():
        raise DeployError(
            f"{folder} is not a packaged deployment: it has no function_app.py.",
            hint=f"package it first: exchange package {customer} --out {folder}",
        )
    return Packaged(customer=customer, folder=folder.resolve(), sources=_sources(workspace, customer))


def _sources(workspace: Path, customer: str) -> dict[str, Path]:
    return {".": app_dir(workspace, customer), "processors": workspace / "processors", "framework": framework_dir()}


def customers(workspace: Path) -> list[str]:
    """Every customer with a deployment in the workspace, sorted."""
    return sorted(p.parent.parent.name for p in (workspace / "deployments").glob("*/azure/function_app.py"))
