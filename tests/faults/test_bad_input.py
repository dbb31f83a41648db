"""Bad input under the real ``exchange dev``: one readable message naming the queue, file or function and what to
do, no traceback on the user's screen, and nothing lost (poison or dead-letter, with the reason)."""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from exchange_cli.main import cli
from framework.queues import encode_body, ensure_queue
from framework.storage import queue_client
from tests.cli.dev_support import DevProcess, make_deployment, wait_for
from tests.faults.support import APPS, queue_texts

pytestmark = pytest.mark.subprocess


@dataclass(frozen=True)
class Intake:
    """The intake deployment under ``exchange dev``, its queues and storage."""

    dev: DevProcess
    queues: dict[str, str]
    storage: str

    def put_raw(self, queue_key: str, text: str) -> str:
        """Put ``text`` on a queue exactly as given (no encoding), as a careless sender would; its message id."""
        client = queue_client(self.queues[queue_key], self.storage)
        try:
            ensure_queue(client)
            return str(client.send_message(text).id)
        finally:
            client.close()


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory, storage_connection_string: str) -> Iterator[Intake]:
    """One ``exchange dev`` for all the bad messages of this module."""
    prefix = f"b{uuid.uuid4().hex[:10]}"
    queues = {
        "IN_QUEUE": f"{prefix}-in",
        "OUT_QUEUE": f"{prefix}-out",
        "DEAD_LETTER_QUEUE": f"{prefix}-dead",
        "MISROUTED_QUEUE": f"{prefix}-misrouted",
        "BAD_OUT_QUEUE": "Orders_Out!",
        "BIG_QUEUE": f"{prefix}-big",
    }
    deployment = make_deployment(tmp_path_factory.mktemp("intake") / "app", app="intake", values=queues, apps=APPS)
    db = f"sqlite:///{deployment.parent / 'intake.db'}"
    dev = DevProcess(deployment, storage_connection_string, "--database-url", db, "--no-reload")
    try:
        dev.wait_for_log("generation 1:", timeout=60)
        yield Intake(dev, queues, storage_connection_string)
    finally:
        dev.close()


def poison_lines(log: str, message_id: str) -> list[str]:
    """The POISON report of one message: its line and the indented lines after it."""
    return re.findall(rf"POISON queue \S+ message {re.escape(message_id)} .*(?:\n  .*)*", log)


def assert_one_readable_report(intake: Intake, message_id: str, *expected: str) -> None:
    log = wait_for(lambda: (text := intake.dev.log()) and message_id in text and text, what=f"{message_id} in log")
    [report] = poison_lines(log, message_id)
    for text in expected:
        assert text in report, report
    assert "hint:" in report
    assert "Traceback" not in log


@pytest.mark.parametrize(
    ("text", "reason", "shown"),
    [
        (encode_body("order 42, please"), "JSONDecodeError", "body: 'order 42, please'"),
        ("%%% not base64 %%%", "not valid base64", "messageEncoding"),
        ("", "JSONDecodeError", "body: (empty)"),
        (encode_body(json.dumps({"envelope_version": 99, "payload": {"id": 1}})), "envelope_version 99", "upgrade"),
    ],
    ids=["not-json", "not-base64", "empty", "unknown-envelope-version"],
)
def test_an_unreadable_message_goes_to_poison_with_one_readable_report(
    intake: Intake, text: str, reason: str, shown: str
) -> None:
    message_id = intake.put_raw("IN_QUEUE", text)

    assert_one_readable_report(intake, message_id, intake.queues["IN_QUEUE"], reason, shown)
    assert text in queue_texts(intake.storage, intake.queues["IN_QUEUE"] + "-poison", decode=False)  # as sent


def test_an_output_to_an_invalid_queue_name_is_reported_naming_function_binding_and_queue(intake: Intake) -> None:
    message_id = intake.put_raw("MISROUTED_QUEUE", encode_body("hello"))

    assert_one_readable_report(intake, message_id, "function misrouted", "'Orders_Out!' is not valid")
    assert queue_texts(intake.storage, intake.queues["MISROUTED_QUEUE"] + "-poison") == ["hello"]


def test_an_output_over_the_64_kib_limit_is_reported_and_its_input_kept(intake: Intake) -> None:
    message_id = intake.put_raw("BIG_QUEUE", encode_body("x"))

    assert_one_readable_report(intake, message_id, "function oversize", "65,536", "blob storage")
    assert queue_texts(intake.storage, intake.queues["BIG_QUEUE"] + "-poison") == ["x"]


def test_a_malformed_http_body_gets_a_400_and_is_dead_lettered_with_the_reason(intake: Intake) -> None:
    request = urllib.request.Request(intake.dev.base_url + "/api/orders", data=b"{'id': oops", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)

    assert refused.value.code == 400
    assert "validate_message refused" in json.loads(refused.value.read())["error"]
    [letter] = wait_for(lambda: queue_texts(intake.storage, intake.queues["DEAD_LETTER_QUEUE"]), what="letter")
    dead = json.loads(letter)
    assert dead["original"]["payload"] == {"body": "{'id': oops"}
    assert dead["failure"]["error_type"] == "ValidationFailure"
    assert "Traceback" not in intake.dev.log()


def test_sending_a_message_over_the_64_kib_limit_is_refused_before_it_is_sent(
    storage_connection_string: str, queue_name: str
) -> None:
    result = CliRunner().invoke(
        cli, ["send", queue_name, json.dumps({"blob": "x" * 70_000}), "--storage", storage_connection_string]
    )

    assert result.exit_code == 1
    assert "the queue service takes at most 65,536" in result.output
    assert "blob storage" in result.output
    assert "Traceback" not in result.output


# -- a deployment that does not load ------------------------------------------------------------------------


def test_broken_code_is_reported_in_one_readable_message_per_save_without_a_traceback(
    tmp_path: Path, storage_connection_string: str
) -> None:
    """One ``exchange dev``; each save of function_app.py breaks it a different way."""
    deployment = make_deployment(tmp_path / "app", values={"IN_QUEUE": "broken-in", "OUT_QUEUE": "broken-out"})
    app = deployment / "function_app.py"
    dev = DevProcess(deployment, storage_connection_string)
    try:
        dev.wait_for_log("generation 1:", timeout=60)
        for n, (code, expected) in enumerate(BROKEN.items(), start=1):
            app.write_text(code)
            dev.wait_for_log("change detected: function_app.py - reloading", timeout=30)
            wait_for(lambda n=n: dev.log().count("no queue is polled until it is fixed") >= n, 60, "the report")
            report = dev.log().rsplit("no queue is polled until it is fixed", 1)[1]
            for text in expected:
                assert text in report, report
    finally:
        dev.close()
    assert "Traceback" not in dev.log()


TIMER = """
import azure.functions as func
app = func.FunctionApp()

@app.timer_trigger(arg_name="timer", schedule="0 61 * * * *")
def nightly(timer: func.TimerRequest) -> None:
    pass
"""
CONSTRUCTOR = """
import azure.functions as func
from framework import ProcessorInterface, create_processor_handler

class Orders(ProcessorInterface):
    def __init__(self) -> None:
        raise KeyError("API_TOKEN")

    def process(self, message, context):
        return None

app = func.FunctionApp()
handler = create_processor_handler(processor=Orders())
"""
MISSING_PACKAGE = "import azure.functions as func\nimport orders_sdk_not_installed\napp = func.FunctionApp()\n"
NOTHING = "import azure.functions as func\napp = func.FunctionApp()\n"
#: function_app.py text -> what its one report must say.
BROKEN = {
    TIMER: ["function 'nightly'", "'0 61 * * * *' is not valid NCRONTAB", "minute", "hint:"],
    CONSTRUCTOR: ["function_app.py:7", "KeyError: 'API_TOKEN'", "hint:"],
    MISSING_PACKAGE: ["function_app.py:2", "No module named 'orders_sdk_not_installed'", "requirements.txt"],
    NOTHING: ["No functions registered in function_app.py", "@app.queue_trigger"],
}


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        ("host.json", None, ["host.json is missing", "create it"]),
        ("host.json", '{"version": "2.0",', ["host.json", "line 1"]),
        ("local.settings.json", '{"Values": {"A": 1,,}}', ["local.settings.json", "line 1"]),
    ],
    ids=["host.json-missing", "host.json-broken", "local.settings.json-broken"],
)
def test_a_missing_or_broken_settings_file_stops_exchange_dev_naming_the_file(
    tmp_path: Path, storage_connection_string: str, file: str, content: str | None, expected: list[str]
) -> None:
    deployment = make_deployment(tmp_path / "app", values={"IN_QUEUE": "x-in", "OUT_QUEUE": "x-out"})
    if content is None:
        (deployment / file).unlink()
    else:
        (deployment / file).write_text(content)

    result = dev_in_process(deployment, storage_connection_string)

    assert result.exit_code == 1
    for text in expected:
        assert text in result.output
    assert "Traceback" not in result.output


def test_the_http_port_in_use_stops_exchange_dev_naming_the_port(
    tmp_path: Path, storage_connection_string: str
) -> None:
    deployment = make_deployment(tmp_path / "app", values={"IN_QUEUE": "x-in", "OUT_QUEUE": "x-out"})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = dev_in_process(deployment, storage_connection_string, "--port", str(port))

    assert result.exit_code == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.output
    assert "pass --port" in result.output
    assert "serving" not in result.output  # it never claimed to serve
    assert "Traceback" not in result.output


def dev_in_process(deployment: Path, storage: str, *extra: str) -> Result:
    """``exchange dev`` in this process: these failures happen before any worker or socket is started."""
    return CliRunner().invoke(cli, ["dev", str(deployment), "--no-tui", "--storage", storage, *extra])
