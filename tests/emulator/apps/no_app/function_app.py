import azure.functions as func


def not_registered(msg: func.QueueMessage) -> None:
    pass
