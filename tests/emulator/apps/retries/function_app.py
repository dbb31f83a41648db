"""Timer functions with retry policies (and one queue function whose policy the host does not apply)."""

import azure.functions as func

app = func.FunctionApp()
CALLS: list = []
#: How many times each function fails before it succeeds (absent: always fails).
FAILURES = {"forever": 3}


def attempt(name: str, context: func.Context) -> None:
    rc = context.retry_context
    CALLS.append((name, (rc.retry_count, rc.max_retry_count, rc.rpc_exception.message)))
    if len([c for c in CALLS if c[0] == name]) <= FAILURES.get(name, 10**6):
        raise RuntimeError(f"{name} attempt {rc.retry_count} failed")


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True)
@app.retry(strategy="fixed_delay", max_retry_count="2", delay_interval="00:00:05")
def fixed(timer: func.TimerRequest, context: func.Context) -> None:
    attempt("fixed", context)


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True)
@app.retry(
    strategy="exponential_backoff", max_retry_count="4", minimum_interval="00:00:02", maximum_interval="00:00:05"
)
def backoff(timer: func.TimerRequest, context: func.Context) -> None:
    attempt("backoff", context)


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True)
@app.retry(strategy="fixed_delay", max_retry_count="-1", delay_interval="00:00:01")
def forever(timer: func.TimerRequest, context: func.Context) -> None:
    attempt("forever", context)


@app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
@app.retry(strategy="fixed_delay", max_retry_count="3", delay_interval="00:00:01")
def on_order(msg: func.QueueMessage) -> None:
    CALLS.append(("on_order", msg))
