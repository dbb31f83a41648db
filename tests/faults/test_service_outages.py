"""Services that go away under ``exchange dev``: Azurite stopped and restarted, the database unreachable for a while,
an output folder that cannot be written. The host says what is wrong (naming the queue, database or folder), keeps
what it has, and nothing is deleted from a queue that was not done."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from emulator import azurite
from emulator.client.queues import send
from framework import FileOutputHandler, Message, ProcessingResult, ProcessorConfig, ProcessorInterface, RetryPolicy
from framework.factory import create_processor_handler
from framework.storage import dev_connection_string
from tests.cli.dev_support import DevProcess, make_deployment, wait_for
from tests.faults.support import TcpProxy, postgres_database, queue_length, queue_texts

pytestmark = pytest.mark.subprocess


def orders(first: int, count: int, tag: str = "o") -> list[str]:
    return [json.dumps({"id": f"{tag}-{n:03d}", "total": n}) for n in range(first, first + count)]


def stored_ids(database_url: str, tenant: str) -> set[str]:
    """External ids of the tenant's stored orders (empty while the database cannot be read)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT external_id FROM entities WHERE tenant_id = :t"), {"t": tenant})
            return {row[0] for row in rows}
    except sa.exc.DBAPIError:
        return set()
    finally:
        engine.dispose()


def routed_ids(storage: str, queue: str) -> set[str]:
    return {json.loads(text)["payload"]["id"] for text in queue_texts(storage, queue)}


class OwnAzurite:
    """An Azurite of this test's own, on free ports, that the test stops and starts again (same ports, same data)."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.proc: azurite.AzuriteProcess | None = azurite.start(location)
        self.endpoints = self.proc.endpoints

    def stop(self) -> None:
        """SIGTERM, as a user's Ctrl-C: Azurite saves its state."""
        if self.proc is not None:
            self.proc.stop()
            self.proc = None

    def start(self) -> None:
        self.proc = azurite.start(self.location, self.endpoints)


@pytest.fixture
def own_azurite(tmp_path: Path) -> Iterator[OwnAzurite]:
    own = OwnAzurite(tmp_path / "azurite")
    try:
        yield own
    finally:
        own.stop()


def test_exchange_dev_reports_azurite_gone_and_resumes_when_it_returns(tmp_path: Path, own_azurite: OwnAzurite) -> None:
    storage = own_azurite.endpoints.connection_string
    values = {"IN_QUEUE": "orders-in", "OUT_QUEUE": "orders-out", "TENANT_ID": "acme"}
    deployment = make_deployment(tmp_path / "orders", app="orders", values=values)
    db = f"sqlite:///{tmp_path / 'orders.db'}"
    dev = DevProcess(deployment, storage, "--database-url", db, "--no-reload", "--lease", "4")
    try:
        dev.wait_for_log("generation 1:", timeout=60)
        send(storage, "orders-in", orders(0, 20))
        wait_for(lambda: len(stored_ids(db, "acme")) == 20, 60, "the first orders")

        own_azurite.stop()
        dev.wait_for_log("queue orders-in: receive failed", timeout=30)
        own_azurite.start()
        send(storage, "orders-in", orders(20, 20))

        wait_for(lambda: len(stored_ids(db, "acme")) == 40, 90, "every order after the restart")
        wait_for(lambda: len(routed_ids(storage, "orders-out")) == 40, 60, "every order routed on")
        dev.wait_for_log("queue orders-in: receiving again")
        # each message is deleted once its invocation is done: the queue drains right after the last order
        wait_for(lambda: queue_length(storage, "orders-in") == 0, 30, "every order deleted from orders-in")
    finally:
        dev.close()
    log = dev.log()
    assert "Traceback" not in log
    assert log.count("receive failed") <= 2  # said once per outage (per poller), not once per poll


def test_exchange_dev_without_a_queue_service_says_so_instead_of_crashing_workers(tmp_path: Path) -> None:
    values = {"IN_QUEUE": "orders-in", "OUT_QUEUE": "orders-out"}
    deployment = make_deployment(tmp_path / "orders", app="orders", values=values)
    nobody = dev_connection_string(ports={kind: azurite.free_port() for kind in ("Blob", "Queue", "Table")})
    dev = DevProcess(deployment, nobody, "--no-reload")
    try:
        dev.wait_for_log("the functions could not start; no queue is polled until it is fixed", timeout=60)
        dev.wait_for_log("cannot reach the queue service for queue 'orders-in'")
    finally:
        dev.close()
    assert "Traceback" not in dev.log()
    assert "exited with" not in dev.log()  # reported, not a crash loop of workers


def test_exchange_dev_keeps_every_order_while_the_database_is_unreachable(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    """Orders taken while PostgreSQL cannot be reached stay on their queue (the handler raises the outage to the
    host, which names the database); once it is back they are processed by themselves, each stored exactly once."""
    storage, tag = storage_connection_string, queue_name[-8:]
    with postgres_database() as url:
        proxy = TcpProxy(sa.make_url(url).port or 5432)
        proxy.start()
        via_proxy = sa.make_url(url).set(port=proxy.port).render_as_string(hide_password=False)
        values = {"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out", "TENANT_ID": "acme"}
        deployment = make_deployment(tmp_path / "orders", app="orders", values=values)
        dev = DevProcess(deployment, storage, "--database-url", via_proxy, "--no-reload")
        try:
            dev.wait_for_log("generation 1:", timeout=60)
            send(storage, queue_name, orders(0, 5, tag))
            wait_for(lambda: len(stored_ids(url, "acme")) == 5, 60, "the first orders")

            proxy.stop()
            send(storage, queue_name, orders(5, 5, tag))
            dev.wait_for_log("Cannot connect to the database postgresql", timeout=60)
            assert queue_length(storage, queue_name) == 5  # nothing acknowledged that was not done
            assert dead_letters(storage, tag) == []

            proxy.start()
            wait_for(lambda: len(stored_ids(url, "acme")) == 10, 90, "the orders kept during the outage")
            wait_for(lambda: queue_length(storage, queue_name) == 0, 30, "the queue drained")
        finally:
            dev.close()
            proxy.close()
    assert "Traceback" not in dev.log()


def dead_letters(storage: str, tag: str) -> list[tuple[dict[str, object], dict[str, str]]]:
    """(original envelope, failure) of this test's dead letters on the framework's default dead-letter queue."""
    found = [json.loads(text) for text in queue_texts(storage, "dead-letter")]
    return [
        (letter["original"], letter["failure"])
        for letter in found
        if letter.get("original") and str(letter["original"]["payload"].get("id", "")).startswith(tag)
    ]


class Archive(ProcessorInterface):
    """Writes each order to a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def process(self, message: Message, context: object) -> ProcessingResult:
        result = ProcessingResult.create_success()
        result.add_output_handler(FileOutputHandler(destination=str(self.folder)))
        return result


def test_an_output_folder_that_cannot_be_written_is_named_and_the_message_kept_on_its_queue(
    tmp_path: Path, storage_env: str, queue_name: str
) -> None:
    """Tests run as root, which ignores permission bits: a folder below a regular file is unwritable for anyone.

    Not the message's fault: retried through its queue first (a full disk or a missing mount may come back), then
    raised to the host so the message stays on its queue, never dead-lettered."""
    from framework import ServiceOutageError

    blocker = tmp_path / "archive"
    blocker.write_text("a file where the archive folder should be")
    config = ProcessorConfig(
        processor_name="archive",
        tenant_id="acme",
        dead_letter_queue=queue_name,
        source_queue=f"{queue_name}-in",
        retry_policy=RetryPolicy(max_attempts=2, base_delay_s=0, jitter=False),
        enable_state_tracking=False,
        atomic_attempts=False,
    )
    handler = create_processor_handler(processor=Archive(blocker / "2026"), config=config)

    first = handler.execute(message := Message(payload={"id": "o-1"}))
    assert not first.success and str(blocker / "2026") in (first.error_message or "")
    assert first.processing_metadata["retry_scheduled"]["queue"] == f"{queue_name}-in"
    message.retry_count = 1
    with pytest.raises(ServiceOutageError, match="stays on its queue"):
        handler.execute(message)
    assert queue_texts(storage_env, queue_name) == []
