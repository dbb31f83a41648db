"""Failures of every kind, wired as the templates wire them: retries on the queue, dead letters, poison, HTTP 4xx.

The payload picks a fate: ``fail`` N times with a timeout, then succeed; ``bad`` (no drink type, never retried);
``crash`` (the function raises before the framework sees it: the host poisons it after maxDequeueCount).
"""

import json
import os

import azure.functions as func

from framework import (
    Message,
    ProcessingResult,
    ProcessorConfig,
    ProcessorContext,
    ProcessorInterface,
    RetryPolicy,
    create_processor_handler,
    tenant_context,
)

app = func.FunctionApp()


class Orders(ProcessorInterface):
    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        if message.payload.get("bad"):
            return ProcessingResult.create_failure("Missing drink type", error_code="MISSING_DRINK", can_retry=False)
        if message.retry_count < int(message.payload.get("fail", 0)):
            raise TimeoutError("the partner API did not answer")
        entity_id = context.persist_entity(str(message.payload["id"]), "order", "retrying", message.payload)
        return ProcessingResult.create_success(entities_created=[entity_id])


config = ProcessorConfig(
    processor_name="orders",
    tenant_id=os.environ["TENANT_ID"],
    source_queue=os.environ["Q_IN"],
    dead_letter_queue=os.environ["DEAD_LETTER_QUEUE"],
    retry_policy=RetryPolicy(max_attempts=4, base_delay_s=float(os.environ.get("BASE_DELAY_S", "1")), jitter=False),
)
handler = create_processor_handler(processor=Orders(), config=config)


@app.function_name(name="orders")
@app.queue_trigger(arg_name="msg", queue_name="%Q_IN%", connection="AzureWebJobsStorage")
def orders(msg: func.QueueMessage) -> None:
    data = msg.get_json()
    if data.get("crash"):
        raise RuntimeError("the function itself is broken")
    with tenant_context(config.tenant_id):
        handler.execute(Message.create_from_queue_data(data))


@app.function_name(name="reject")
@app.route(route="reject", methods=["POST"])
def reject(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({"status": "error", "message": "no"}), status_code=400)
