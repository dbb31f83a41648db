"""Table bindings as the Python worker's own end-to-end app uses them (the table name comes from %TABLE%)."""

import json
import uuid

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
C = "AzureWebJobsStorage"


@app.route(route="table_in_binding/{id}")
@app.table_input(arg_name="testEntity", connection=C, table_name="%TABLE%", row_key="{id}", partition_key="test")
def table_in_binding(req: func.HttpRequest, testEntity):  # unannotated, as in the worker's own test app
    return func.HttpResponse(status_code=200, body=testEntity)


@app.route(route="table_out_binding", binding_arg_name="resp")
@app.table_output(arg_name="$return", connection=C, table_name="%TABLE%")
def table_out_binding(req: func.HttpRequest, resp: func.Out[func.HttpResponse]):
    table_json = json.dumps({"PartitionKey": "test", "RowKey": str(uuid.uuid4())})
    resp.set(table_json)
    return table_json


@app.route(route="filtered")
@app.table_input(arg_name="rows", connection=C, table_name="%TABLE%", partition_key="test", filter="Size gt 1", take=2)
def filtered(req: func.HttpRequest, rows: str) -> func.HttpResponse:
    return func.HttpResponse(rows)


@app.route(route="write_many")
@app.table_output(arg_name="out", connection=C, table_name="%TABLE%", partition_key="test")
def write_many(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
    out.set(req.get_body().decode())
    return func.HttpResponse("ok")
