import azure.functions as func
from exchange_test_helpers import load_config

app = func.FunctionApp()
CONFIG = load_config()
