"""``exchange new processor``: code, tests and wiring for each trigger; idempotent, hand-edit-proof wiring."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.cli.conftest import copy_workspace, snapshot


@pytest.fixture
def workspace(acme_workspace: Path, tmp_path: Path) -> Path:
    """A private copy of the workspace with the customer acme."""
    return copy_workspace(acme_workspace, tmp_path / "ws")


def app_code(workspace: Path, customer: str = "acme") -> str:
    return (workspace / "deployments" / customer / "azure" / "function_app.py").read_text()


def blueprint(workspace: Path, processor: str, customer: str = "acme") -> str:
    return (workspace / "deployments" / customer / "azure" / "functions" / f"{processor}.py").read_text()


def block(workspace: Path) -> list[str]:
    """The lines between the exchange:functions markers of acme's function_app.py."""
    lines = app_code(workspace).splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith("# exchange:functions begin"))
    return lines[begin + 1 : lines.index("# exchange:functions end")]


def test_a_queue_processor_gets_code_tests_and_a_registered_blueprint(
    workspace: Path, exchange: Callable[..., Result]
) -> None:
    result = exchange("new", "processor", "orders", "--customer", "acme", "--path", str(workspace))

    assert result.exit_code == 0, result.output
    assert result.output == (
        "Processor orders in acme: 8 file(s) written\n"
        "  deployments/acme/.copier-answers.orders.yml\n"
        "  deployments/acme/azure/functions/orders.py\n"
        "  processors/orders/.copier-answers.yml\n"
        "  processors/orders/__init__.py\n"
        "  processors/orders/config.py\n"
        "  processors/orders/processor.py\n"
        "  tests/processors/test_orders.py\n"
        "  deployments/acme/azure/function_app.py\n"
    )
    code = blueprint(workspace, "orders")
    assert 'queue_name="acme-orders-in"' in code
    assert 'output_queue="acme-orders-out"' in code
    assert "Message.create_from_queue_data(msg.get_json())" in code
    assert block(workspace) == [
        "import functions.orders  # noqa: E402",
        "",
        "app.register_functions(functions.orders.bp)",
    ]
    processor = (workspace / "processors" / "orders" / "processor.py").read_text()
    assert '@operation("orders.process")' in processor and "context.persist_entity(" in processor
    config = (workspace / "processors" / "orders" / "config.py").read_text()
    assert "@dataclass" in config and "def to_dict(self)" in config


def test_a_timer_processor_runs_on_its_schedule(workspace: Path, exchange: Callable[..., Result]) -> None:
    result = exchange(
        "new", "processor", "poller", "-c", "acme", "--trigger", "timer", "--schedule", "0 0 * * * *",
        "--path", str(workspace),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    code = blueprint(workspace, "poller")
    assert '@bp.timer_trigger(arg_name="timer", schedule="0 0 * * * *")' in code
    assert "processor.create_timer_message(timer)" in code
    assert "def fetch(self, message: Message)" in (workspace / "processors" / "poller" / "processor.py").read_text()


def test_an_http_processor_answers_post_on_its_route(workspace: Path, exchange: Callable[..., Result]) -> None:
    result = exchange(
        "new", "processor", "order_intake", "-c", "acme", "--trigger", "http", "--output-queue", "",
        "--path", str(workspace),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    code = blueprint(workspace, "order_intake")
    assert '@bp.route(route="order-intake", methods=["POST"])' in code
    assert "output_queue=None" in code
    assert "func.HttpResponse(" in code


def test_processors_chain_through_their_queues(workspace: Path, exchange: Callable[..., Result]) -> None:
    exchange("new", "processor", "orders", "-c", "acme", "--path", str(workspace))
    result = exchange(
        "new", "processor", "enrich", "-c", "acme", "--input-queue", "acme-orders-out",
        "--output-queue", "acme-enriched", "--path", str(workspace),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert 'queue_name="acme-orders-out"' in blueprint(workspace, "enrich")
    assert 'output_queue="acme-enriched"' in blueprint(workspace, "enrich")
    assert block(workspace) == [
        "import functions.enrich  # noqa: E402",
        "import functions.orders  # noqa: E402",
        "",
        "app.register_functions(functions.enrich.bp)",
        "app.register_functions(functions.orders.bp)",
    ]


def test_wiring_an_existing_processor_into_a_second_customer_reuses_its_code(
    workspace: Path, exchange: Callable[..., Result]
) -> None:
    exchange("new", "customer", "globex", "--path", str(workspace))
    exchange("new", "processor", "orders", "-c", "acme", "--path", str(workspace))
    code_before = snapshot(workspace / "processors")

    result = exchange("new", "processor", "orders", "-c", "globex", "--path", str(workspace))

    assert result.exit_code == 0, result.output
    assert result.output == (
        "Processor orders in globex: 3 file(s) written\n"
        "  deployments/globex/.copier-answers.orders.yml\n"
        "  deployments/globex/azure/functions/orders.py\n"
        "  deployments/globex/azure/function_app.py\n"
        "processors/orders/ exists: reused it, only wired it into globex.\n"
    )
    assert snapshot(workspace / "processors") == code_before


def test_wiring_twice_is_refused_and_changes_nothing(workspace: Path, exchange: Callable[..., Result]) -> None:
    exchange("new", "processor", "orders", "-c", "acme", "--path", str(workspace))
    before = snapshot(workspace)

    result = exchange("new", "processor", "orders", "-c", "acme", "--path", str(workspace))

    assert result.exit_code == 1
    assert result.output == (
        "Error: Processor 'orders' is wired into 'acme' already: deployments/acme/azure/functions/orders.py.\n"
        "Hint: edit that file, or pass --force to regenerate it\n"
    )
    assert snapshot(workspace) == before


def test_force_regenerates_a_processor_without_registering_it_twice(
    workspace: Path, exchange: Callable[..., Result]
) -> None:
    exchange("new", "processor", "orders", "-c", "acme", "--path", str(workspace))

    result = exchange(
        "new", "processor", "orders", "-c", "acme", "--input-queue", "acme-new-orders", "--force",
        "--path", str(workspace),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert 'queue_name="acme-new-orders"' in blueprint(workspace, "orders")
    assert app_code(workspace).count("app.register_functions(functions.orders.bp)") == 1


def test_wiring_survives_hand_edits_outside_the_marked_block(workspace: Path, exchange: Callable[..., Result]) -> None:
    app_file = workspace / "deployments" / "acme" / "azure" / "function_app.py"
    edited = app_file.read_text().replace("import_all_models()\n", "import_all_models()\nSETTING = 42  # mine\n")
    app_file.write_text(edited + "\n\n@app.function_name(name='health')\n@app.route(route='health')\n"
                        "def health(req: func.HttpRequest) -> func.HttpResponse:\n"
                        "    return func.HttpResponse('ok')\n")  # fmt: skip
    exchange("new", "processor", "orders", "-c", "acme", "--path", str(workspace))

    result = exchange("new", "processor", "enrich", "-c", "acme", "--path", str(workspace))

    assert result.exit_code == 0, result.output
    code = app_code(workspace)
    assert "SETTING = 42  # mine" in code
    assert code.rstrip().endswith("    return func.HttpResponse('ok')")
    assert "app.register_functions(functions.enrich.bp)" in code
    assert "app.register_functions(functions.orders.bp)" in code


def test_force_on_the_customer_keeps_the_processors_wired(workspace: Path, exchange: Callable[..., Result]) -> None:
    exchange("new", "processor", "orders", "-c", "acme", "--path", str(workspace))

    result = exchange("new", "customer", "acme", "--force", "--path", str(workspace))

    assert result.exit_code == 0, result.output
    assert "app.register_functions(functions.orders.bp)" in app_code(workspace)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["../x", "-c", "acme"], "Processor name '../x' is a path, not a name."),
        (["Orders", "-c", "acme"], "Processor name 'Orders' is not a valid processor name."),
        (["class", "-c", "acme"], "Processor name 'class' is not a valid processor name."),
        (["functions", "-c", "acme"], "Processor name 'functions' is reserved (a deployment imports a module of "),
        (["orders", "-c", "../acme"], "Customer name '../acme' is a path, not a name."),
        (["orders", "-c", "acme", "--input-queue", "Bad_Queue"], "--input-queue: invalid queue name 'Bad_Queue'."),
        (["orders", "-c", "acme", "--output-queue", "ab"], "--output-queue: invalid queue name 'ab'."),
        (["orders", "-c", "acme", "--trigger", "timer", "--schedule", "*/5 * * * *"], "--schedule: '*/5 * * * *' is"),
        (["orders", "-c", "acme", "--trigger", "http", "--input-queue", "q-in"], "--input-queue only applies to"),
    ],
)
def test_bad_names_and_flags_are_refused_and_nothing_is_written(
    workspace: Path, exchange: Callable[..., Result], args: list[str], message: str
) -> None:
    before = snapshot(workspace)

    result = exchange("new", "processor", *args, "--path", str(workspace))

    assert result.exit_code == 2
    assert f"Error: {message}" in result.output
    assert "hint: " in result.output
    assert snapshot(workspace) == before


def test_an_unknown_customer_is_refused_with_the_command_that_creates_it(
    workspace: Path, exchange: Callable[..., Result]
) -> None:
    before = snapshot(workspace)

    result = exchange("new", "processor", "orders", "-c", "initech", "--path", str(workspace))

    assert result.exit_code == 1
    app_file = workspace / "deployments" / "initech" / "azure" / "function_app.py"
    assert result.output == (
        f"Error: No deployment for customer 'initech': {app_file} does not exist.\n"
        "Hint: create it first with `exchange new customer initech`\n"
    )
    assert snapshot(workspace) == before


def test_broken_markers_are_refused_before_anything_is_written(
    workspace: Path, exchange: Callable[..., Result]
) -> None:
    app_file = workspace / "deployments" / "acme" / "azure" / "function_app.py"
    app_file.write_text(app_file.read_text().replace("# exchange:functions end\n", ""))
    before = snapshot(workspace)

    result = exchange("new", "processor", "orders", "-c", "acme", "--path", str(workspace))

    assert result.exit_code == 1
    assert result.output == (
        f"Error: {app_file} must contain exactly one '# exchange:functions begin' line followed by one "
        "'# exchange:functions end' line.\n"
        "Hint: put the two marker lines back (after `app = func.FunctionApp()`) and run the command again\n"
    )
    assert snapshot(workspace) == before


def test_no_workspace_is_an_error_that_says_how_to_make_one(tmp_path: Path, exchange: Callable[..., Result]) -> None:
    result = exchange("new", "processor", "orders", "-c", "acme", "--path", str(tmp_path))

    assert result.exit_code == 1
    assert result.output == (
        f"Error: No exchange workspace at or above {tmp_path} (a pyproject.toml with [tool.exchange]).\n"
        "Hint: run `exchange new customer NAME` in an empty folder to create one, or cd into your workspace\n"
    )


def test_the_wiring_falls_back_to_the_customers_own_tenant_id(tmp_path: Path, exchange: Callable[..., Result]) -> None:
    exchange("new", "customer", "acme", "--data", "tenant_id=acme-prod", "--path", str(tmp_path))

    result = exchange("new", "processor", "orders", "-c", "acme", "--path", str(tmp_path))

    assert result.exit_code == 0, result.output
    assert 'tenant_id=os.environ.get("TENANT_ID", "acme-prod")' in blueprint(tmp_path, "orders")
