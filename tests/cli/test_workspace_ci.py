"""The CI files a new workspace gets: their structure, and their commands run in order in a clean environment.

GitHub's and Azure's runners are not available here, so the `run:` steps of each GitHub Actions job run locally
in a fresh virtual environment (standing in for actions/setup-python) on a fresh clone of the committed
workspace (actions/checkout), with the job's env and nothing of this test session's; PostgreSQL on
127.0.0.1:5432 stands in for the service container. The Azure Pipelines file must run the very same commands.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import yaml

from emulator.azurite import AZURITE_VERSION
from tests.cli.conftest import acme_orders_workspace

pytestmark = pytest.mark.subprocess

WORKFLOW = ".github/workflows/tests.yml"
PIPELINE = "azure-pipelines.yml"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: exchange itself, installed into the clean environment first: it stands in for the package index.
EXCHANGE_SOURCE = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, template_cache: Path) -> Path:
    return acme_orders_workspace(tmp_path_factory.mktemp("ci") / "integrations", template_cache)


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def uses(job: dict[str, Any], action: str) -> dict[str, Any]:
    found = [s for s in job["steps"] if str(s.get("uses", "")).split("@")[0] == action]
    assert len(found) == 1, f"{action} in {job['steps']}"
    return found[0]


def tasks(job: dict[str, Any], task: str) -> dict[str, Any]:
    found = [s for s in job["steps"] if str(s.get("task", "")).split("@")[0] == task]
    assert len(found) == 1, f"{task} in {job['steps']}"
    return found[0]


def commands(steps: list[dict[str, Any]], key: str) -> list[str]:
    return [str(s[key]).strip() for s in steps if key in s]


def test_the_github_workflow_tests_on_sqlite_and_postgresql_and_publishes_junit(generated: Path) -> None:
    workflow = load(generated / WORKFLOW)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true

    assert set(triggers) == {"push", "pull_request", "workflow_dispatch"}
    assert sorted(workflow["jobs"]) == ["postgresql", "sqlite"]
    for name, job in workflow["jobs"].items():
        assert uses(job, "actions/checkout")
        assert uses(job, "actions/setup-python")["with"]["python-version"] == "3.11"
        assert uses(job, "actions/setup-node")["with"]["node-version"] == "20"
        cache = uses(job, "actions/cache")["with"]
        assert cache["path"] == f"~/.cache/exchange/azurite-{AZURITE_VERSION}"
        assert cache["key"].startswith(f"azurite-{AZURITE_VERSION}-")
        run = commands(job["steps"], "run")
        assert "python -m pip install -e ." in run[0]
        assert run[1] == f"exchange test -ra --junitxml=test-results/{name}.xml"
        assert all("${{" not in command for command in run)  # so the local run below runs them as written
        publish = uses(job, "EnricoMi/publish-unit-test-result-action")
        assert publish["if"] == "always()" and publish["with"]["files"] == "test-results/*.xml"
        assert uses(job, "actions/upload-artifact")["if"] == "always()"
    postgres = workflow["jobs"]["postgresql"]
    service = postgres["services"]["postgres"]
    assert service["image"].startswith("postgres:")
    assert service["env"] == {"POSTGRES_DB": "test", "POSTGRES_HOST_AUTH_METHOD": "trust"}
    assert service["ports"] == ["5432:5432"] and "pg_isready" in service["options"]
    assert postgres["env"] == {"EXCHANGE_TEST_DATABASE_URL": POSTGRES_URL}
    assert "psycopg[binary]" in commands(postgres["steps"], "run")[0]
    assert workflow["permissions"] == {"contents": "read", "checks": "write", "pull-requests": "write"}


def test_the_azure_pipeline_runs_the_workflows_commands_with_the_same_services(generated: Path) -> None:
    workflow = load(generated / WORKFLOW)
    pipeline = load(generated / PIPELINE)
    jobs = {job["job"]: job for job in pipeline["jobs"]}
    container = pipeline["resources"]["containers"][0]

    assert sorted(jobs) == ["postgresql", "sqlite"]
    assert container["env"] == {"POSTGRES_DB": "test", "POSTGRES_HOST_AUTH_METHOD": "trust"}
    assert container["ports"] == ["5432:5432"]
    assert jobs["postgresql"]["services"] == {"postgres": container["container"]}
    assert jobs["postgresql"]["variables"] == {"EXCHANGE_TEST_DATABASE_URL": POSTGRES_URL}
    assert pipeline["variables"]["EXCHANGE_CACHE_DIR"] == "$(Pipeline.Workspace)/.exchange-cache"
    for name, job in jobs.items():
        assert commands(job["steps"], "script") == commands(workflow["jobs"][name]["steps"], "run")
        assert tasks(job, "UsePythonVersion")["inputs"]["versionSpec"] == "3.11"
        assert tasks(job, "UseNode")["inputs"]["version"] == "20.x"
        cache = tasks(job, "Cache")["inputs"]
        assert cache["path"] == f"$(EXCHANGE_CACHE_DIR)/azurite-{AZURITE_VERSION}"
        assert f'"{AZURITE_VERSION}"' in cache["key"]
        publish = tasks(job, "PublishTestResults")
        assert publish["condition"] == "succeededOrFailed()"
        assert publish["inputs"] == {
            "testResultsFormat": "JUnit",
            "testResultsFiles": "test-results/*.xml",
            "testRunTitle": job["displayName"],
        }


def _clean_environment(root: Path, job_env: dict[str, str]) -> dict[str, str]:
    """A fresh venv with exchange in it (the index's stand-in), and an environment that holds only the job's."""
    venv = root / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, str(EXCHANGE_SOURCE)], check=True, capture_output=True, timeout=900)
    if subprocess.run([str(venv / "bin" / "python"), "-c", "import pytest"], capture_output=True).returncode:
        # until issue 11.3 (engineer `db`) makes pytest a dependency of exchange, install what `exchange test` needs
        subprocess.run([*pip, "pytest>=8.3,<9"], check=True, capture_output=True, timeout=900)
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for Azurite"
    paths = [str(venv / "bin"), str(Path(node).parent), "/usr/local/bin", "/usr/bin", "/bin"]
    return {"PATH": os.pathsep.join(dict.fromkeys(paths)), "HOME": os.environ["HOME"], "LANG": "C.UTF-8", **job_env}


@pytest.mark.parametrize("job_name", ["sqlite", "postgresql"])
def test_each_workflow_job_passes_when_its_steps_run_in_a_clean_environment(
    generated: Path, tmp_path: Path, job_name: str
) -> None:
    job = load(generated / WORKFLOW)["jobs"][job_name]
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(generated), str(checkout)], check=True, capture_output=True)
    env = _clean_environment(tmp_path, {k: str(v) for k, v in job.get("env", {}).items()})

    for step in job["steps"]:
        if "run" not in step:
            continue
        # GitHub's default shell for `run:` on Linux
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=checkout,
            env={**env, **step.get("env", {})},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert done.returncode == 0, f"step {step.get('name')!r} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"

    suite = ET.parse(checkout / "test-results" / f"{job_name}.xml").getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "0", "0")
    assert not (checkout / "local.settings.json").exists()  # a fresh clone, as in CI: git does not have it
