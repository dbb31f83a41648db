"""A queue trigger annotated dict: the worker refuses to load the app."""

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="refused", connection="AzureWebJobsStorage")
def dict_trigger(msg: dict) -> None:
    pass
