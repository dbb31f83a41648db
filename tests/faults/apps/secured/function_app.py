"""An HTTP function that needs a function key (enforced by ``exchange dev --enable-auth``)."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="orders", methods=["GET"])
def orders(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("secret orders")


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=False)
def yearly(timer: func.TimerRequest) -> None:
    """Run by hand with `exchange trigger yearly` (the admin endpoint needs the master key under --enable-auth)."""
    print("yearly ran")
