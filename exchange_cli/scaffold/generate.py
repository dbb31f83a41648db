"""``exchange new``: a workspace, a customer deployment, a processor wired into a deployment.

Every name is checked before anything is written; templates are rendered into scratch folders and moved into
the workspace in one :class:`~exchange_cli.scaffold.placement.Placement`, so a failure leaves nothing behind.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from exchange_cli.scaffold import names, wiring
from exchange_cli.scaffold.answers import check_answers
from exchange_cli.scaffold.errors import InvalidNameError, ScaffoldError, TargetExistsError
from exchange_cli.scaffold.placement import Placement, placement
from exchange_cli.scaffold.render import render
from exchange_cli.scaffold.source import exchange_version
from exchange_cli.scaffold.workspace import deployment_dir, find_workspace, require_workspace

Trigger = Literal["queue", "timer", "http"]


@dataclass
class Generated:
    """What a ``new`` command did."""

    #: The workspace root.
    workspace: Path
    #: Workspace-relative paths of the files written.
    written: list[Path] = field(default_factory=list)
    #: True when the workspace itself was created by this command.
    created_workspace: bool = False
    #: True when ``git init`` was run in the new workspace.
    git_initialised: bool = False
    #: Things the user should know (e.g. processor code that was reused).
    notes: list[str] = field(default_factory=list)


def new_customer(
    start: Path, customer: str, *, data: dict[str, Any] | None = None, defaults: bool = True, force: bool = False
) -> Generated:
    """Create ``deployments/<customer>/azure/`` in the workspace at or above ``start``, or make ``start`` one."""
    names.validate_customer(customer)
    check_answers(data or {}, "workspace", "customer")
    found = find_workspace(start)
    result = Generated(workspace=found or start.resolve(), created_workspace=found is None)
    if (result.workspace / "deployments" / customer).exists() and not force:
        raise TargetExistsError(
            f"Customer {customer!r} exists already: {result.workspace / 'deployments' / customer}.",
            hint="choose another name, or pass --force to regenerate its files (your edits there are overwritten)",
        )
    app_file = deployment_dir(result.workspace, customer) / "function_app.py"
    wired = sorted(p.stem for p in app_file.parent.glob("functions/*.py") if p.stem != "__init__")
    with placement(result.workspace) as place:
        rendered = []
        if result.created_workspace:
            rendered.append(_render(place, "workspace", _workspace_answers(result.workspace, data), defaults=True))
        rendered.append(_render(place, "customer", {**(data or {}), "customer": customer}, defaults=defaults))
        place.move_trees(rendered, force=force)  # only now, after every prompt was answered
        if wired:  # --force regenerated function_app.py: keep the processors that were wired into it
            text = app_file.read_text(encoding="utf-8")
            for processor in wired:
                text = wiring.with_registration(text, processor, app_file) or text
            place.write_text(app_file.relative_to(result.workspace), text)
        result.written = list(dict.fromkeys(place.written))
    if result.created_workspace:
        result.git_initialised = _git_init(result.workspace)
    return result


def new_processor(
    start: Path,
    processor: str,
    *,
    customer: str,
    trigger: Trigger | None = None,
    input_queue: str | None = None,
    output_queue: str | None = None,
    schedule: str | None = None,
    data: dict[str, Any] | None = None,
    defaults: bool = True,
    force: bool = False,
) -> Generated:
    """Create ``processors/<processor>/`` (unless it exists) and wire it into ``customer``'s deployment."""
    answers = _wiring_answers(processor, customer, trigger, input_queue, output_queue, schedule, defaults)
    check_answers(data or {}, "wiring", "processor")
    workspace = require_workspace(start)
    app_file = _function_app(workspace, customer)
    _check_wiring_target(workspace, customer, processor, app_file, force=force)
    answers.setdefault("tenant_id", _customer_tenant(workspace, customer))
    result = Generated(workspace=workspace)
    code_exists = (workspace / "processors" / processor).exists()
    with placement(workspace) as place:
        rendered = [_render(place, "wiring", {**(data or {}), **answers}, defaults=defaults)]
        chosen = load_answers(rendered[0] / "deployments" / customer / f".copier-answers.{processor}.yml")
        if code_exists and not force:
            result.notes.append(f"processors/{processor}/ exists: reused it, only wired it into {customer}.")
        else:
            code = {**(data or {}), "name": processor, "trigger": chosen.get("trigger", "queue")}
            rendered.append(_render(place, "processor", code, defaults=True))
        place.move_trees(rendered, force=force)
        text = wiring.with_registration(app_file.read_text(encoding="utf-8"), processor, app_file)
        if text is not None:
            place.write_text(app_file.relative_to(workspace), text)
        result.written = list(dict.fromkeys(place.written))
    return result


def _render(place: Placement, template: str, data: dict[str, Any], *, defaults: bool) -> Path:
    """Render ``template`` into a scratch folder of the placement and return that folder."""
    scratch = place.scratch(template)
    render(template, scratch, data, defaults=defaults)
    return scratch


def _customer_tenant(workspace: Path, customer: str) -> str:
    """The tenant id the customer's deployment was generated with (its fallback when TENANT_ID is unset)."""
    answers = workspace / "deployments" / customer / ".copier-answers.yml"
    return str(load_answers(answers).get("tenant_id") or customer) if answers.is_file() else customer


def _workspace_answers(root: Path, data: dict[str, Any] | None) -> dict[str, Any]:
    project = re.sub(r"[^a-z0-9]+", "-", root.name.lower()).strip("-")
    if not re.match(r"^[a-z]", project):
        project = "integrations"
    return {"project_name": (data or {}).get("project_name", project), "exchange_version": exchange_version()}


def _wiring_answers(
    processor: str,
    customer: str,
    trigger: Trigger | None,
    input_queue: str | None,
    output_queue: str | None,
    schedule: str | None,
    defaults: bool,
) -> dict[str, Any]:
    """Check the flags (before anything is written) and turn the given ones into template answers."""
    names.validate_processor(processor)
    names.validate_customer(customer)
    _check_flags_fit(trigger, input_queue, schedule)
    stem = f"{customer}-{processor.replace('_', '-')}"
    answers: dict[str, Any] = {"customer": customer, "processor": processor}
    if trigger is not None:
        answers["trigger"] = trigger
    if input_queue is not None or (defaults and (trigger or "queue") == "queue"):
        answers["input_queue"] = names.validate_queue(input_queue or f"{stem}-in", "--input-queue")
    if output_queue is not None or defaults:
        out = f"{stem}-out" if output_queue is None else output_queue
        answers["output_queue"] = names.validate_queue(out, "--output-queue") if out else ""
    if schedule is not None:
        answers["schedule"] = names.validate_schedule(schedule)
    return answers


def _check_flags_fit(trigger: Trigger | None, input_queue: str | None, schedule: str | None) -> None:
    if input_queue is not None and trigger not in (None, "queue"):
        raise InvalidNameError(
            f"--input-queue only applies to --trigger queue, not {trigger}.", hint="drop --input-queue"
        )
    if schedule is not None and trigger != "timer":
        raise InvalidNameError("--schedule only applies to --trigger timer.", hint="add --trigger timer")


def _function_app(workspace: Path, customer: str) -> Path:
    app_file = deployment_dir(workspace, customer) / "function_app.py"
    if not app_file.is_file():
        raise ScaffoldError(
            f"No deployment for customer {customer!r}: {app_file} does not exist.",
            hint=f"create it first with `exchange new customer {customer}`",
        )
    return app_file


def _check_wiring_target(workspace: Path, customer: str, processor: str, app_file: Path, *, force: bool) -> None:
    blueprint = deployment_dir(workspace, customer) / "functions" / f"{processor}.py"
    if blueprint.exists() and not force:
        raise TargetExistsError(
            f"Processor {processor!r} is wired into {customer!r} already: {blueprint.relative_to(workspace)}.",
            hint="edit that file, or pass --force to regenerate it",
        )
    wiring.with_registration(app_file.read_text(encoding="utf-8"), processor, app_file)  # markers intact?


def _git_init(workspace: Path) -> bool:
    """``git init`` a new workspace unless it is inside a repository already (or git is missing)."""
    try:
        inside = subprocess.run(
            ["git", "rev-parse", "--is-inside-work-tree"], cwd=workspace, capture_output=True, check=False
        )
        if inside.returncode == 0:
            return False
        subprocess.run(["git", "init", "-q"], cwd=workspace, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def load_answers(path: Path) -> dict[str, Any]:
    """The answers recorded in a copier answers file."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(loaded, dict):
        raise ScaffoldError(f"{path} is not a copier answers file.", hint="restore it from git")
    return loaded
