"""``exchange check``: would this deployment run on Azure? One module per family of checks.

:func:`check` packages the customer (as ``exchange package`` does) into a scratch folder, :func:`check_folder`
takes a folder that is packaged already; either indexes it in a clean subprocess and runs every family over it.
Families, in order: indexing, requirements, host.json, .funcignore, app settings, secrets, queue names.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from exchange_cli.deploy.check import funcignore, hostjson, indexing, queues, requirements, secrets, settings
from exchange_cli.deploy.check.subject import Subject, read_settings
from exchange_cli.deploy.findings import Finding, Report
from exchange_cli.deploy.package import Packaged, app_dir, package, packaged_at


def check(workspace: Path, customer: str, *, runtime: bool = True) -> Report:
    """Package ``customer`` into a scratch folder and check it; the scratch folder is removed afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix=f"exchange-check-{customer}-"))
    try:
        packaged = package(workspace, customer, scratch / customer)
        return check_packaged(workspace, packaged, runtime=runtime)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check_folder(workspace: Path, customer: str, folder: Path, *, runtime: bool = True) -> Report:
    """Check a folder packaged already (``exchange package CUSTOMER --out FOLDER``) as it is."""
    return check_packaged(workspace, packaged_at(workspace, customer, folder), runtime=runtime)


def check_packaged(workspace: Path, packaged: Packaged, *, runtime: bool = True) -> Report:
    """Run every check over a packaged deployment."""
    source = app_dir(workspace, packaged.customer)
    subject = Subject(workspace, packaged, read_settings(source), source / "local.settings.json")
    report = Report(packaged.customer, packaged.folder)
    imports = requirements.scan(subject)
    found, missing = indexing.index(subject, requirements.modules(imports), runtime=runtime)
    report.add(indexing.CHECK, found)
    report.functions = [f.name for f in subject.functions]
    report.add(requirements.CHECK, requirements.findings(subject, imports, missing) + _azure_functions(subject))
    report.add(hostjson.CHECK, hostjson.findings(subject))
    report.add(funcignore.CHECK, funcignore.findings(subject))
    report.add(settings.CHECK, settings.findings(subject))
    report.add(secrets.CHECK, secrets.findings(subject))
    report.add(queues.CHECK, queues.findings(subject))
    return report


def _azure_functions(subject: Subject) -> list[Finding]:
    path = subject.folder / "requirements.txt"
    if requirements.declares_azure_functions(path):
        return []
    return [
        Finding(
            requirements.CHECK,
            "azure-functions-unlisted",
            "warning",
            "requirements.txt does not list azure-functions; the app imports it.",
            "add azure-functions to requirements.txt, as Azure's Python guide asks",
            subject.name_of(path),
        )
    ]
