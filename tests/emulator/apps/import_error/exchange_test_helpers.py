def load_config():
    return {}


raise KeyError("TENANT_ID")
