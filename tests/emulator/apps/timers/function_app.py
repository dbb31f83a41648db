import azure.functions as func

app = func.FunctionApp()
CALLS: list = []


@app.timer_trigger(schedule="0 */5 * * * *", arg_name="timer")
def every_five_minutes(timer: func.TimerRequest) -> None:
    CALLS.append(("every_five_minutes", timer))


@app.timer_trigger(schedule="0 0 * * * *", arg_name="timer", run_on_startup=True)
def hourly_on_startup(timer: func.TimerRequest) -> None:
    CALLS.append(("hourly_on_startup", timer))


@app.timer_trigger(schedule="%FAST_SCHEDULE%", arg_name="timer")
async def every_second(timer: func.TimerRequest) -> None:
    CALLS.append(("every_second", timer))


@app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
def on_order(msg: func.QueueMessage) -> None:
    CALLS.append(("on_order", msg))
