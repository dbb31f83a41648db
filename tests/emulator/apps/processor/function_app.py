"""A sync processor function: it logs, persists an entity and routes the order on through the framework's transport."""

import logging
import os

import azure.functions as func

from framework import (
    Message,
    ProcessingResult,
    ProcessorConfig,
    ProcessorContext,
    ProcessorInterface,
    QueueOutputHandler,
    create_processor_handler,
    operation,
    tenant_context,
)

app = func.FunctionApp()


class OrderProcessor(ProcessorInterface):
    @operation("orders.process")
    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        entity_id = context.persist_entity(
            external_id=str(message.payload["id"]), canonical_type="order", source="shop", data=message.payload
        )
        result = ProcessingResult.create_success(entities_created=[entity_id])
        result.add_output_handler(QueueOutputHandler(destination=os.environ["OUT_QUEUE"]))
        return result


handler = create_processor_handler(
    processor=OrderProcessor(), config=ProcessorConfig(processor_name="orders", tenant_id="acme")
)


@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
def orders(msg: func.QueueMessage, context: func.Context) -> None:
    logging.info("invocation %s", context.invocation_id)
    with tenant_context("acme"):
        handler.execute(Message.create_from_queue_data(msg.get_json()))
