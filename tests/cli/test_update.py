"""``exchange update``: template changes reach generated files, local edits stay, conflicts are shown."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from exchange_cli.scaffold.source import installed_templates
from tests.cli.conftest import commit_all, copy_workspace, git, snapshot

HOST_TEMPLATE = "customer/template/deployments/{{customer}}/azure/host.json.jinja"
APP_TEMPLATE = "customer/template/deployments/{{customer}}/azure/function_app.py.jinja"


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of exchange's templates that the test can change, used instead of the installed ones."""
    copy = tmp_path / "templates"
    shutil.copytree(installed_templates(), copy)
    monkeypatch.setenv("EXCHANGE_TEMPLATES", str(copy))
    monkeypatch.setenv("EXCHANGE_TEMPLATE_CACHE", str(tmp_path / "cache"))
    return copy


@pytest.fixture
def workspace(tmp_path: Path, templates: Path, exchange: Callable[..., Result]) -> Path:
    """A committed workspace with customer acme and processor orders."""
    root = tmp_path / "ws"
    root.mkdir()
    assert exchange("new", "customer", "acme", "--path", str(root)).exit_code == 0
    assert exchange("new", "processor", "orders", "-c", "acme", "--path", str(root)).exit_code == 0
    commit_all(root)
    return root


#: The tests that run copier's update: it clones the template repository and renders twice, 200-330 git processes
#: and seconds per test, so they run in the subprocess lane rather than the fast one.
HEAVY = pytest.mark.subprocess


def change(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


@HEAVY
def test_update_carries_a_template_change_and_keeps_local_edits(
    workspace: Path, templates: Path, exchange: Callable[..., Result]
) -> None:
    app_dir = workspace / "deployments" / "acme" / "azure"
    change(app_dir / "host.json", '"batchSize": 16', '"batchSize": 4')
    change(app_dir / "function_app.py", "import_all_models()\n", "import_all_models()\nLOCAL = True  # mine\n")
    commit_all(workspace, "local edits")
    head = git(workspace, "rev-parse", "HEAD")
    change(templates / HOST_TEMPLATE, '"functionTimeout": "00:05:00",', '"functionTimeout": "00:10:00",')
    change(templates / APP_TEMPLATE, "app = func.FunctionApp()", "app = func.FunctionApp()  # one app per customer")

    result = exchange("update", str(workspace))

    assert result.exit_code == 0, result.output
    assert result.output == (
        ". [workspace]: 0.1.0.post1 (current)\n"
        "processors/orders [processor]: 0.1.0.post1 (current)\n"
        "deployments/acme [customer]: 0.1.0.post1 -> 0.1.0.post2\n"
        "deployments/acme orders [wiring]: 0.1.0.post1 (current)\n"
        "Review with `git diff`, then commit.\n"
    )
    host = (app_dir / "host.json").read_text()
    assert '"functionTimeout": "00:10:00"' in host and '"batchSize": 4' in host
    app = (app_dir / "function_app.py").read_text()
    assert "app = func.FunctionApp()  # one app per customer" in app
    assert "LOCAL = True  # mine" in app
    assert "app.register_functions(functions.orders.bp)" in app
    assert git(workspace, "rev-parse", "HEAD") == head  # the changes are left for the user to review
    assert git(workspace, "status", "--porcelain").splitlines() == [
        " M deployments/acme/.copier-answers.yml",
        " M deployments/acme/azure/function_app.py",
        " M deployments/acme/azure/host.json",
    ]


@HEAVY
def test_update_of_several_changed_parts_leaves_no_commit_behind(
    workspace: Path, templates: Path, exchange: Callable[..., Result]
) -> None:
    head = git(workspace, "rev-parse", "HEAD")
    change(templates / HOST_TEMPLATE, '"functionTimeout": "00:05:00",', '"functionTimeout": "00:10:00",')
    change(templates / "processor/template/processors/{{name}}/config.py.jinja", "Queue that receives", "Queue for")

    result = exchange("update", str(workspace))

    assert result.exit_code == 0, result.output
    assert "processors/orders [processor]: 0.1.0.post1 -> 0.1.0.post2\n" in result.output
    assert "deployments/acme [customer]: 0.1.0.post1 -> 0.1.0.post2\n" in result.output
    assert git(workspace, "rev-parse", "HEAD") == head
    assert "#: Queue for each processed message" in (workspace / "processors/orders/config.py").read_text()


@HEAVY
def test_update_leaves_conflict_markers_where_a_local_edit_meets_a_template_change(
    workspace: Path, templates: Path, exchange: Callable[..., Result]
) -> None:
    host = workspace / "deployments" / "acme" / "azure" / "host.json"
    change(host, '"functionTimeout": "00:05:00",', '"functionTimeout": "00:02:00",')
    commit_all(workspace, "local timeout")
    change(templates / HOST_TEMPLATE, '"functionTimeout": "00:05:00",', '"functionTimeout": "00:10:00",')

    result = exchange("update", str(workspace / "deployments" / "acme"))

    assert result.exit_code == 0, result.output
    assert result.output == (
        "deployments/acme [customer]: 0.1.0.post1 -> 0.1.0.post2\n"
        "deployments/acme orders [wiring]: 0.1.0.post1 (current)\n"
        "Conflicts to resolve (look for <<<<<<< markers):\n"
        "  deployments/acme/azure/host.json\n"
        "Review with `git diff`, then commit.\n"
    )
    text = host.read_text()
    assert "<<<<<<< " in text and '"00:02:00"' in text and '"00:10:00"' in text


@pytest.fixture
def generated(acme_orders_base: Path, tmp_path: Path) -> Path:
    """The same committed workspace, generated from the installed templates once per session and copied: for the
    tests that do not change the templates."""
    return copy_workspace(acme_orders_base, tmp_path / "ws")


def test_update_refuses_a_dirty_tree_and_changes_nothing(generated: Path, exchange: Callable[..., Result]) -> None:
    workspace = generated
    (workspace / "processors" / "orders" / "processor.py").write_text("# half done\n")
    before = snapshot(workspace)

    result = exchange("update", str(workspace))

    assert result.exit_code == 1
    assert result.output == (
        f"Error: The working tree of {workspace} has uncommitted changes: processors/orders/processor.py.\n"
        "Hint: commit or stash them first, so the update's changes can be reviewed on their own\n"
    )
    assert snapshot(workspace) == before


def test_update_outside_git_says_how_to_start(tmp_path: Path, templates: Path, exchange: Callable[..., Result]) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    exchange("new", "customer", "acme", "--path", str(root))
    shutil.rmtree(root / ".git")

    result = exchange("update", str(root))

    assert result.exit_code == 1
    assert result.output == (
        f"Error: {root} is not a git repository with a commit; exchange update needs one.\n"
        "Hint: run `git init`, then `git add -A && git commit -m 'generated'`, and update again\n"
    )


def test_update_with_current_templates_changes_nothing(generated: Path, exchange: Callable[..., Result]) -> None:
    workspace = generated
    before = snapshot(workspace)

    result = exchange("update", str(workspace / "processors" / "orders"))

    assert result.exit_code == 0, result.output
    assert result.output == ("processors/orders [processor]: 0.1.0.post1 (current)\nEverything is up to date.\n")
    assert snapshot(workspace) == before
