"""Orders in, one entity per order, a confirmation out; an order with "fail" is refused (and poisoned)."""

import json

import azure.functions as func

from framework import get_database
from framework.context import tenant_context
from framework.services import ProcessingService

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%OUT_QUEUE%", connection="AzureWebJobsStorage")
def ingest(msg: func.QueueMessage) -> str:
    order = json.loads(msg.get_body())
    if order.get("fail"):
        raise ValueError(f"order {order['id']} refused")
    with tenant_context("acme"):
        ProcessingService(get_database()).process_entity(str(order["id"]), "order", "shop", order)
    return json.dumps({"id": order["id"], "confirmed": True})


@app.timer_trigger(arg_name="timer", schedule="0 0 3 1 1 *")  # once a year: only ever fired by hand here
def nightly(timer: func.TimerRequest) -> None:
    pass
