import azure.functions as func

app = func.FunctionApp()


def forgot_the_decorator(msg: func.QueueMessage) -> None:
    pass
