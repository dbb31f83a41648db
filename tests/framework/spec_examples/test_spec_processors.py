"""The spec's processors, unchanged, run through the framework the way the spec's function_app.py runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest

from emulator.testing.plugin import QueueMessageSeen
from framework import (
    Database,
    EntityService,
    Message,
    MessageType,
    ProcessingService,
    ProcessorConfig,
    RetryPolicy,
    create_processor_handler,
    tenant_context,
)

from .coffee_processor import CoffeeOrderProcessor
from .ingestion_processors import DataIngestionProcessor, SimpleIngestionProcessor
from .my_business_processor import MyBusinessProcessor
from .my_processor_config import MyProcessorConfig

pytestmark = pytest.mark.database

Reader = Callable[..., list[QueueMessageSeen]]
ORDERS = [{"id": "A-1", "total": 3}, {"id": "A-2", "total": 4}]
FAST = RetryPolicy(max_attempts=2, base_delay_s=0.01, jitter=False)


class FakeApiIngestion(DataIngestionProcessor):
    """The spec leaves fetch_from_api to the user; here it returns fixed orders."""

    def fetch_from_api(self) -> list[dict[str, Any]]:
        return ORDERS


class FakeApiSimpleIngestion(SimpleIngestionProcessor):
    def fetch_from_api(self) -> list[dict[str, Any]]:
        return ORDERS


def test_coffee_order_wiring_of_the_design_document_delivers_each_order_once(
    storage_env: str,
    database: Database,
    processing_service: ProcessingService,
    entity_service: EntityService,
    queue_reader: Reader,
) -> None:
    queue_reader("barista-queue")  # start empty
    config = ProcessorConfig(
        processor_name="coffee_order_processor", enable_state_tracking=True, is_source_processor=False
    )
    handler = create_processor_handler(
        processor_class=CoffeeOrderProcessor,
        config=config,
        entity_service=entity_service,
        entity_repository=object(),
        processing_service=processing_service,
    )
    queue_message = func.QueueMessage(body=json.dumps({"drink_type": "latte", "size": "large"}).encode())
    output: list[str] = []  # what the function's output binding (func.Out[str]) would send to barista-queue

    # the design document's function body, verbatim
    message_data = json.loads(queue_message.get_body().decode("utf-8"))
    result = handler.handle_message(message_data)
    if result["success"]:
        for msg in result["output_messages"]:
            output.append(json.dumps(msg))

    assert result["success"] and result["output_messages"] == [] and output == []  # the handler delivered it
    [landed] = queue_reader("barista-queue")  # once, not twice
    body = landed.json()
    assert body["payload"]["drink_type"] == "latte" and body["payload"]["processor"] == "coffee_order_processor"
    assert body["correlation_id"] == result["correlation_id"] and body["metadata"] == {"stage": "processed"}


def test_coffee_order_without_drink_type_is_retried_on_its_queue_then_dead_lettered(
    storage_env: str, database: Database, queue_reader: Reader, queue_name: str
) -> None:
    from handler_support import QueueHost

    from framework.transport import StorageQueueTransport

    source = f"{queue_name}-in"
    config = ProcessorConfig(
        processor_name="coffee", retry_policy=FAST, dead_letter_queue=queue_name, source_queue=source
    )
    handler = create_processor_handler(processor_class=CoffeeOrderProcessor, config=config, database=database)
    StorageQueueTransport().send(source, json.dumps({"size": "small"}))

    host = QueueHost(handler, storage_env, source).run()

    assert [count for _, count in host.delivered] == [0, 1]  # the spec's failure is retryable by default
    [letter] = queue_reader(queue_name)
    assert letter.json()["failure"]["error_message"] == "Missing drink type"
    assert letter.json()["original"]["payload"] == {"size": "small"}
    assert letter.json()["failure"]["attempts"] == 2


def test_my_business_processor_as_the_spec_function_app_wires_it(
    storage_env: str, database_env: str, queue_name: str, queue_reader: Reader
) -> None:
    my_processor = MyBusinessProcessor(config=MyProcessorConfig(tenant_id="customer-a", next_stage_queue=queue_name))
    handler = create_processor_handler(processor=my_processor)
    envelope = Message(payload={"id": "B-7", "name": "widget"}, metadata={"operation": "create_entity"})
    msg = func.QueueMessage(body=envelope.to_json().encode())

    message = Message.create_from_queue_data(msg.get_json())
    with tenant_context("customer-a"):
        result = handler.execute(message)

    assert result.success, result.error_message
    [forwarded] = queue_reader(queue_name)
    body = forwarded.json()
    assert body["metadata"]["entities_created"] == result.entities_created
    assert body["metadata"]["processing"] == {"operation": "create_entity", "external_id": "B-7"}
    with tenant_context("customer-a"):
        entity = handler.context.get_entity(result.entities_created[0])
    assert entity.content == {"id": "B-7", "name": "widget"} and entity.tenant_id == "customer-a"


def test_my_business_processor_unknown_operation_is_not_retried(
    storage_env: str, database_env: str, queue_name: str, queue_reader: Reader
) -> None:
    processor = MyBusinessProcessor(config=MyProcessorConfig())
    config = ProcessorConfig(processor_name="mbp", dead_letter_queue=queue_name)
    handler = create_processor_handler(processor=processor, config=config)

    result = handler.execute(Message(payload={"x": 1}, metadata={"operation": "reticulate"}))

    assert (result.success, result.error_code, result.can_retry) == (False, "INVALID_OPERATION", False)
    assert queue_reader(queue_name)[0].json()["failure"]["attempts"] == 1


def test_timer_and_http_helpers_build_messages_from_real_functions_objects() -> None:
    processor = MyBusinessProcessor(config=MyProcessorConfig())
    timer = processor.create_timer_message(TimerRequest(past_due=True))
    req = func.HttpRequest(
        "POST",
        "http://localhost/api/process",
        body=b'{"id": "H-1"}',
        headers={"Content-Type": "application/json"},
        params={"q": "1"},
    )
    http = processor.create_http_message(req)

    assert (timer.message_type, timer.metadata["past_due"]) == (MessageType.TIMER, True)
    assert (http.message_type, http.payload, http.metadata["method"]) == (MessageType.HTTP, {"id": "H-1"}, "POST")
    assert http.metadata["params"] == {"q": "1"} and http.metadata["headers"]["content-type"] == "application/json"


def test_data_ingestion_gets_its_processing_service_injected(
    storage_env: str, processing_service: ProcessingService, entity_service: EntityService
) -> None:
    handler = create_processor_handler(processor_class=FakeApiIngestion, processing_service=processing_service)

    with tenant_context("ingest"):
        result = handler.execute(Message.create_timer_message())
        stored = [entity_service.get_entity(i).external_id for i in result.entities_created]

    assert result.success and stored == ["A-1", "A-2"]
    assert handler.processor.processing_service is processing_service  # type: ignore[attr-defined]


def test_source_processor_gets_entities_created_from_its_entity_messages(
    storage_env: str, processor_context: Any, entity_service: EntityService
) -> None:
    config = ProcessorConfig(
        processor_name="simple_ingestion",
        is_source_processor=True,
        enable_state_tracking=True,
        enable_duplicate_detection=True,
    )
    handler = create_processor_handler(
        processor_class=FakeApiSimpleIngestion,
        config=config,
        processing_service=processor_context.processing_service,
        entity_service=entity_service,
    )

    with tenant_context("default"):
        first = handler.execute(Message.create_timer_message())
        again = handler.execute(Message.create_timer_message())
        entity = entity_service.get_entity(first.entities_created[0])

    assert first.success and len(first.entities_created) == 2
    assert [m.entity_reference.entity_id for m in first.output_messages] == first.entities_created  # type: ignore[union-attr]
    assert (entity.external_id, entity.canonical_type, entity.source) == ("A-1", "order", "external_api")
    assert again.entities_created == [] and again.entities_updated == []  # same content: duplicates


def test_factory_honours_db_manager_and_refuses_what_it_cannot_honour(database: Database) -> None:
    from framework import ConfigurationError

    handler = create_processor_handler(processor_class=CoffeeOrderProcessor, db_manager=database)
    assert handler.context.database is database
    with pytest.raises(ConfigurationError, match="dead_letter_queue_client"):
        create_processor_handler(processor=CoffeeOrderProcessor(), dead_letter_queue_client=object())
    with pytest.raises(ConfigurationError, match="cannot use: colour"):
        create_processor_handler(processor=CoffeeOrderProcessor(), colour="blue")
    with pytest.raises(ConfigurationError, match="could not build CoffeeOrderProcessor"):
        create_processor_handler(processor_class=CoffeeOrderProcessor, colour="blue")
    with pytest.raises(ConfigurationError, match="needs a framework Database"):
        create_processor_handler(processor_class=CoffeeOrderProcessor, db_manager="sqlite:///x.db")


@pytest.mark.parametrize("bad", [{}, {"processor": object(), "processor_class": CoffeeOrderProcessor}])
def test_factory_needs_exactly_one_of_processor_and_class(bad: dict[str, Any]) -> None:
    from framework import ConfigurationError

    with pytest.raises(ConfigurationError, match="exactly one"):
        create_processor_handler(**bad)
