"""A three-stage processor pipeline in the spec's style: receive -> enrich -> store.

Each stage persists the order as an entity of its own type (duplicate detection makes a redelivered message a
no-op) and routes it to the next stage's queue. The payload's ``kind`` picks a fate: ``ok`` is processed,
``invalid`` fails validation (dead-lettered by the framework), ``crash`` raises in the function before the
framework sees it (the host moves it to the poison queue after maxDequeueCount).

Where ``RUNS_FILE`` is set, each run of a stage's code is written down there as it starts and as it ends, one
unbuffered line each: what a SIGKILLed worker was doing survives it (the journal's last ~100 ms, still buffered
in the worker, do not).
"""

import os
import time

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
)

app = func.FunctionApp()
#: Seconds each stage works on a message, so that a killed worker has messages in flight.
WORK_S = float(os.environ.get("WORK_S", "0.005"))
RUNS_FILE = os.environ.get("RUNS_FILE")


def _note(event: str, context: func.Context) -> None:
    """One line, ``event invocation_id pid unix_time``, in one write(2) on an O_APPEND file: in the kernel's
    hands before this returns, whole, never interleaved with another worker's line."""
    if RUNS_FILE:
        line = f"{event} {context.invocation_id} {os.getpid()} {time.time()!r}\n"
        fd = os.open(RUNS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


class Stage(ProcessorInterface):
    def __init__(self, name: str, next_queue: str | None) -> None:
        self.name = name
        self.next_queue = next_queue

    def validate_message(self, message: Message) -> bool:
        return message.payload.get("kind") != "invalid"

    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        time.sleep(WORK_S)
        entity_id = context.persist_entity(
            external_id=str(message.payload["id"]), canonical_type=self.name, source="pipeline", data=message.payload
        )
        result = ProcessingResult.create_success(entities_created=[entity_id])
        if self.next_queue:
            result.add_output_handler(QueueOutputHandler(destination=self.next_queue))
        return result


def _handler(name: str, next_queue: str | None):  # type: ignore[no-untyped-def]
    config = ProcessorConfig(
        processor_name=name,
        tenant_id=os.environ.get("TENANT_ID", "pipeline"),
        dead_letter_queue=os.environ["DEAD_LETTER_QUEUE"],
        retry_policy=RetryPolicy(max_attempts=2, base_delay_s=0.01, jitter=False),
    )
    return create_processor_handler(processor=Stage(name, next_queue), config=config)


receive = _handler("receive", os.environ["Q2"])
enrich = _handler("enrich", os.environ["Q3"])
store = _handler("store", None)


def _run(handler, msg: func.QueueMessage, context: func.Context) -> None:  # type: ignore[no-untyped-def]
    _note("start", context)
    try:
        data = msg.get_json()
        message = Message.create_from_queue_data(data)
        if message.payload.get("kind") == "crash":
            raise RuntimeError(f"order {message.payload['id']} crashes the function")
        handler.execute(message)
    finally:
        _note("end", context)


@app.queue_trigger(arg_name="msg", queue_name="%Q1%", connection="AzureWebJobsStorage")
def stage_receive(msg: func.QueueMessage, context: func.Context) -> None:
    _run(receive, msg, context)


@app.queue_trigger(arg_name="msg", queue_name="%Q2%", connection="AzureWebJobsStorage")
def stage_enrich(msg: func.QueueMessage, context: func.Context) -> None:
    _run(enrich, msg, context)


@app.queue_trigger(arg_name="msg", queue_name="%Q3%", connection="AzureWebJobsStorage")
def stage_store(msg: func.QueueMessage, context: func.Context) -> None:
    _run(store, msg, context)
