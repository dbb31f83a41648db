"""``exchange package CUSTOMER`` and ``exchange check [CUSTOMER]...``: a deployable folder; would it run on Azure."""

from __future__ import annotations

from pathlib import Path

import click

_path_option = click.option(
    "--path",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Folder to work in (the workspace or any folder inside it).",
)


@click.command()
@click.argument("customer")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Target folder [default: dist/CUSTOMER].")
@_path_option
def package(customer: str, out: Path | None, path: Path) -> None:
    """Assemble dist/CUSTOMER/: the deployment with processors/ and the framework inside, as Azure deploys it."""
    from exchange_cli.deploy.package import package as assemble
    from exchange_cli.scaffold.workspace import require_workspace

    packaged = assemble(require_workspace(path), customer, out)
    click.echo(f"Packaged {customer} into {packaged.folder}")
    click.echo(f"Next: exchange check {customer}, then `func azure functionapp publish APP_NAME` in that folder.")


@click.command()
@click.argument("customers", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON (stable format, see README).")
@click.option("--junit", "as_junit", is_flag=True, help="Print the findings as JUnit XML, for CI test reports.")
@click.option("--no-runtime", is_flag=True, help="Skip the second indexing through azure-functions-runtime (3.13+).")
@click.option(
    "--dist",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Check this packaged folder as it is (one CUSTOMER) instead of packaging afresh.",
)
@_path_option
@click.pass_context
def check(
    ctx: click.Context,
    customers: tuple[str, ...],
    as_json: bool,
    as_junit: bool,
    no_runtime: bool,
    dist: Path | None,
    path: Path,
) -> None:
    """Check that each CUSTOMER's deployment (default: every one) would index and run on Azure.

    It packages the deployment as `exchange package` does, imports it in a clean virtual environment that holds
    only its requirements.txt, and checks requirements, host.json, .funcignore, app settings, secrets and queue
    names. Every finding names the file and says what to do; exit code 1 when there are errors.
    """
    from exchange_cli.deploy import report
    from exchange_cli.deploy.check import check as run_check
    from exchange_cli.deploy.check import check_folder
    from exchange_cli.deploy.package import customers as all_customers
    from exchange_cli.scaffold.workspace import require_workspace

    if as_json and as_junit:
        raise click.UsageError("--json and --junit are exclusive: choose one output format.")
    workspace = require_workspace(path)
    chosen = list(dict.fromkeys(customers)) or all_customers(workspace)
    if not chosen:
        raise click.UsageError(f"No deployments in {workspace}: create one with `exchange new customer NAME`.")
    if dist is not None and len(customers) != 1:
        raise click.UsageError(
            "--dist checks one packaged folder: name its CUSTOMER, e.g. exchange check acme --dist dist/acme"
        )
    if dist is not None:
        reports = [check_folder(workspace, customers[0], dist, runtime=not no_runtime)]
    else:
        reports = [run_check(workspace, c, runtime=not no_runtime) for c in chosen]
    render = report.as_json if as_json else report.junit if as_junit else report.human
    click.echo(render(reports))
    ctx.exit(1 if any(r.errors for r in reports) else 0)
