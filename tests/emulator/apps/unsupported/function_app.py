import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
@app.cosmos_db_output(arg_name="doc", database_name="db", container_name="c", connection="CosmosDb")
def to_cosmos(msg: func.QueueMessage, doc: func.Out[func.Document]) -> None:
    pass
