"""A deployment wired as the scaffolding wires it, for feeding it bad input: a queue processor, an HTTP intake and
a function whose output queue name is invalid."""

import json
import os

import azure.functions as func

from framework import (
    Message,
    ProcessingResult,
    ProcessorConfig,
    ProcessorContext,
    ProcessorInterface,
    QueueOutputHandler,
    RetryPolicy,
    create_processor_handler,
    tenant_context,
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
TENANT = os.environ.get("TENANT_ID", "intake")


class Orders(ProcessorInterface):
    def validate_message(self, message: Message) -> bool:
        return "id" in message.payload

    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        entity_id = context.persist_entity(
            external_id=str(message.payload["id"]), canonical_type="order", source="intake", data=message.payload
        )
        result = ProcessingResult.create_success(entities_created=[entity_id])
        result.add_output_handler(QueueOutputHandler(destination=os.environ["OUT_QUEUE"]))
        return result


config = ProcessorConfig(
    processor_name="orders",
    tenant_id=TENANT,
    dead_letter_queue=os.environ["DEAD_LETTER_QUEUE"],
    retry_policy=RetryPolicy(max_attempts=2, base_delay_s=0.01, jitter=False),
)
processor = Orders()
handler = create_processor_handler(processor=processor, config=config)


@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
def orders(msg: func.QueueMessage) -> None:
    message = Message.create_from_queue_data(msg.get_json())
    with tenant_context(TENANT):
        handler.execute(message)


@app.queue_trigger(arg_name="msg", queue_name="%MISROUTED_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%BAD_OUT_QUEUE%", connection="AzureWebJobsStorage")
def misrouted(msg: func.QueueMessage) -> str:
    return msg.get_body().decode()


@app.route(route="orders", methods=["POST"])
def intake(req: func.HttpRequest) -> func.HttpResponse:
    message = processor.create_http_message(req)
    with tenant_context(TENANT):
        result = handler.execute(message)
    status = 200 if result.success else 400
    return func.HttpResponse(json.dumps({"success": result.success, "error": result.error_message}), status_code=status)


@app.queue_trigger(arg_name="msg", queue_name="%BIG_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%OUT_QUEUE%", connection="AzureWebJobsStorage")
def oversize(msg: func.QueueMessage) -> str:
    return msg.get_body().decode() * 70_000  # past the queue service's 64 KiB
