"""Values crossing between the host and a function: the azure.functions converters with the worker's checks around them
(converters, checks), the host's side of each TypedData (host_values), binding expressions and func.Out (bindings).

May import: framework only.
"""
