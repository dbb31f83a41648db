"""``exchange new customer``: a workspace around the first customer, isolated customers, refusals, --force."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.cli.conftest import copy_workspace, files, snapshot

WORKSPACE_FILES = [
    ".copier-answers.yml",
    ".github/workflows/tests.yml",
    ".gitignore",
    "README.md",
    "azure-pipelines.yml",
    "deployments/README.md",
    "processors/__init__.py",
    "pyproject.toml",
    "tests/conftest.py",
]
ACME_FILES = [
    "deployments/acme/.copier-answers.yml",
    "deployments/acme/README.md",
    "deployments/acme/azure/.funcignore",
    "deployments/acme/azure/function_app.py",
    "deployments/acme/azure/functions/__init__.py",
    "deployments/acme/azure/host.json",
    "deployments/acme/azure/local.settings.json",
    "deployments/acme/azure/requirements.txt",
    "tests/deployments/test_acme_function_app.py",
]


def settings(workspace: Path, customer: str) -> dict[str, str]:
    data = json.loads((workspace / "deployments" / customer / "azure" / "local.settings.json").read_text())
    values: dict[str, str] = data["Values"]
    return values


def test_new_customer_in_an_empty_folder_creates_the_workspace_and_the_deployment(
    tmp_path: Path, exchange: Callable[..., Result]
) -> None:
    result = exchange("new", "customer", "acme", "--path", str(tmp_path))

    assert result.exit_code == 0, result.output
    listed = "".join(f"  {name}\n" for name in WORKSPACE_FILES + ACME_FILES)
    assert result.output == (
        f"Created workspace {tmp_path} (git init).\n"
        f"Customer acme: {len(WORKSPACE_FILES) + len(ACME_FILES)} file(s) written\n"
        f"{listed}"
        "Next: exchange new processor NAME --customer acme --trigger queue\n"
    )
    assert files(tmp_path) == sorted(WORKSPACE_FILES + ACME_FILES)
    assert (tmp_path / ".git").is_dir()
    assert "[tool.exchange]" in (tmp_path / "pyproject.toml").read_text()
    gitignore = (tmp_path / ".gitignore").read_text().splitlines()
    assert ".exchange/" in gitignore and "local.settings.json" in gitignore


def test_the_deployment_is_an_azure_functions_app_with_queue_settings(
    tmp_path: Path, exchange: Callable[..., Result]
) -> None:
    exchange("new", "customer", "acme", "--path", str(tmp_path))
    app_dir = tmp_path / "deployments" / "acme" / "azure"

    host = json.loads((app_dir / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensions"]["queues"] == {
        "batchSize": 16,
        "newBatchThreshold": 8,
        "maxDequeueCount": 5,
        "visibilityTimeout": "00:00:30",
        "maxPollingInterval": "00:00:02",
        "messageEncoding": "base64",
    }
    assert settings(tmp_path, "acme") == {
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "FUNCTIONS_WORKER_RUNTIME": "python",
        "TENANT_ID": "acme",
        "DATABASE_URL": "sqlite:///../.exchange/acme.sqlite",
    }
    requirements = (app_dir / "requirements.txt").read_text()
    assert "azure-functions" in requirements and "sqlalchemy" in requirements
    app_code = (app_dir / "function_app.py").read_text()
    assert "app = func.FunctionApp()" in app_code
    assert "# exchange:functions begin" in app_code and "# exchange:functions end" in app_code


def test_two_customers_get_their_own_tenant_database_and_queue_prefix(
    tmp_path: Path, exchange: Callable[..., Result]
) -> None:
    exchange("new", "customer", "acme", "--path", str(tmp_path))
    result = exchange("new", "customer", "globex", "--path", str(tmp_path / "processors"))  # from inside
    exchange("new", "processor", "orders", "--customer", "acme", "--path", str(tmp_path))
    exchange("new", "processor", "orders", "--customer", "globex", "--path", str(tmp_path))

    assert result.exit_code == 0, result.output
    assert not result.output.startswith("Created workspace")
    acme, globex = settings(tmp_path, "acme"), settings(tmp_path, "globex")
    assert (acme["TENANT_ID"], globex["TENANT_ID"]) == ("acme", "globex")
    assert acme["DATABASE_URL"] != globex["DATABASE_URL"]
    functions = tmp_path / "deployments" / "{}" / "azure" / "functions" / "orders.py"
    acme_code = str(functions).format("acme")
    assert 'queue_name="acme-orders-in"' in Path(acme_code).read_text()
    assert 'queue_name="globex-orders-in"' in Path(str(functions).format("globex")).read_text()


def test_data_answers_a_template_question_without_prompting(tmp_path: Path, exchange: Callable[..., Result]) -> None:
    result = exchange("new", "customer", "acme", "--path", str(tmp_path), "--data", "tenant_id=acme-prod")

    assert result.exit_code == 0, result.output
    assert settings(tmp_path, "acme")["TENANT_ID"] == "acme-prod"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../evil", "is a path, not a name"),
        ("a/b", "is a path, not a name"),
        ("..", "is a path, not a name"),
        ("Acme", "is not a valid customer name"),
        ("acme_corp", "is not a valid customer name"),
        ("1acme", "is not a valid customer name"),
        ("acme--eu", "is not a valid customer name"),
        ("a" * 41, "is not a valid customer name"),
    ],
)
def test_a_bad_customer_name_is_refused_and_nothing_is_written(
    tmp_path: Path, exchange: Callable[..., Result], name: str, problem: str
) -> None:
    before = snapshot(tmp_path)

    result = exchange("new", "customer", name, "--path", str(tmp_path))

    assert result.exit_code == 2
    assert result.output.endswith(
        f"Error: Customer name {name!r} {problem}.\n"
        "  hint: use 1-40 lowercase letters, digits and single hyphens, starting with a letter (e.g. acme or "
        "acme-eu); it names the folder, the tenant and the queue prefix\n"
    )
    assert snapshot(tmp_path) == before


@pytest.fixture
def acme(acme_workspace: Path, tmp_path: Path) -> Path:
    """A private copy of what ``exchange new customer acme`` made (rendered once per session)."""
    return copy_workspace(acme_workspace, tmp_path / "ws")


def test_an_existing_customer_is_refused_without_force(acme: Path, exchange: Callable[..., Result]) -> None:
    before = snapshot(acme)

    result = exchange("new", "customer", "acme", "--path", str(acme))

    assert result.exit_code == 1
    assert result.output == (
        f"Error: Customer 'acme' exists already: {acme / 'deployments' / 'acme'}.\n"
        "Hint: choose another name, or pass --force to regenerate its files (your edits there are overwritten)\n"
    )
    assert snapshot(acme) == before


def test_force_regenerates_an_existing_customer(acme: Path, exchange: Callable[..., Result]) -> None:
    host = acme / "deployments" / "acme" / "azure" / "host.json"
    host.write_text("{}")

    result = exchange("new", "customer", "acme", "--path", str(acme), "--force", "--data", "queue_batch_size=4")

    assert result.exit_code == 0, result.output
    assert json.loads(host.read_text())["extensions"]["queues"]["batchSize"] == 4


def test_a_folder_with_other_files_gets_a_workspace_only_if_nothing_clashes(
    tmp_path: Path, exchange: Callable[..., Result]
) -> None:
    (tmp_path / "README.md").write_text("mine\n")
    before = snapshot(tmp_path)

    result = exchange("new", "customer", "acme", "--path", str(tmp_path))

    assert result.exit_code == 1
    assert result.output == (
        f"Error: 1 file(s) exist already in {tmp_path}: README.md\n"
        "Hint: choose another name, or pass --force to overwrite them\n"
    )
    assert snapshot(tmp_path) == before


def test_a_value_the_template_refuses_is_reported_and_nothing_is_written(
    tmp_path: Path, exchange: Callable[..., Result]
) -> None:
    result = exchange("new", "customer", "acme", "--path", str(tmp_path), "--data", "queue_batch_size=99")

    assert result.exit_code == 2
    assert result.output == (
        "Error: --data queue_batch_size='99' is refused: it must be a whole number from 1 to 32.\n"
        "  hint: fix the value given with --data and run again\n"
    )
    assert snapshot(tmp_path) == {}


def test_data_without_an_equals_sign_is_a_usage_error(tmp_path: Path, exchange: Callable[..., Result]) -> None:
    result = exchange("new", "customer", "acme", "--path", str(tmp_path), "--data", "tenant_id")

    assert result.exit_code == 2
    assert "Invalid value for --data: 'tenant_id' is not KEY=VALUE" in result.output
    assert snapshot(tmp_path) == {}
