"""``exchange package``: the folder Azure deploys, built from the deployment, processors/ and the framework."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from exchange_cli.main import cli


def test_package_writes_dist_customer_with_processors_and_framework_and_no_local_state(workspace: Path) -> None:
    (workspace / "deployments/acme/azure/.exchange").mkdir()
    (workspace / "deployments/acme/azure/.exchange/acme.sqlite").write_text("local")
    (workspace / "dist/acme").mkdir(parents=True)
    (workspace / "dist/acme/stale.txt").write_text("from an earlier package")

    result = CliRunner().invoke(cli, ["package", "acme", "--path", str(workspace / "processors")])

    out = workspace / "dist" / "acme"
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"Packaged acme into {out}"
    shipped = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert {
        "function_app.py",
        "host.json",
        "requirements.txt",
        ".funcignore",
        "functions/orders.py",
        "processors/orders/processor.py",
        "framework/__init__.py",
    } <= set(shipped)
    assert not [
        p
        for p in shipped
        if p.startswith((".exchange", "tests"))
        or "local.settings" in p
        or "__pycache__" in p
        or ".copier-answers" in p
        or p == "stale.txt"
    ]


def test_package_refuses_an_unknown_customer_and_a_target_inside_the_deployment(workspace: Path) -> None:
    runner = CliRunner()

    unknown = runner.invoke(cli, ["package", "globex", "--path", str(workspace)])
    inside = runner.invoke(
        cli, ["package", "acme", "--path", str(workspace), "--out", str(workspace / "deployments/acme/azure/dist")]
    )

    assert unknown.exit_code == 1
    assert unknown.output == (
        f"Error: No deployment for customer 'globex': {workspace}/deployments/globex/azure/function_app.py does not "
        "exist.\nHint: customers in this workspace: acme; create one with `exchange new customer globex`\n"
    )
    assert inside.exit_code == 1
    assert "it holds the workspace or the deployment itself" in inside.output
    assert (workspace / "deployments/acme/azure/function_app.py").is_file()
