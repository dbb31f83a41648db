"""One host in one process: the Host, invoking a function, its context and logs, storage clients, the queue transport,
table bindings, retry policies, azure-functions-runtime in-process.

May import: app/, conversion/, journal/, triggers/ (the host starts them), framework.
"""
