"""Which bindings the emulator runs, and why a function with any other binding is "not run locally".

The real host runs every function whose extension is installed. The emulator runs the storage and HTTP bindings;
a function with any other binding (Event Hubs, Cosmos DB, Service Bus, SQL, Kafka, Event Grid, ...) is indexed,
listed with the reason, and left alone, while every other function of the app runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from emulator.app.functions import BindingInfo

#: (type, direction) pairs the emulator drives.
SUPPORTED = {
    ("queueTrigger", "in"),
    ("timerTrigger", "in"),
    ("httpTrigger", "in"),
    ("blobTrigger", "in"),
    ("queue", "out"),
    ("blob", "in"),
    ("blob", "out"),
    ("table", "in"),
    ("table", "out"),
    ("http", "out"),
}

#: Binding type (lower case, without "Trigger") -> the service that is missing locally.
_SERVICES = {
    "eventhub": "Event Hubs",
    "servicebus": "Service Bus",
    "cosmosdb": "Cosmos DB",
    "sql": "Azure SQL change tracking",
    "kafka": "Kafka",
    "eventgrid": "Event Grid",
    "signalr": "SignalR Service",
    "signalrconnectioninfo": "SignalR Service",
    "webpubsub": "Web PubSub",
    "dapr": "Dapr",
    "sendgrid": "SendGrid",
    "twilio": "Twilio",
    "generic": "a custom extension",
    "durableclient": "Durable Functions",
    "orchestrationtrigger": "Durable Functions",
    "activitytrigger": "Durable Functions",
    "entitytrigger": "Durable Functions",
}


def not_run_reason(bindings: Iterable[BindingInfo]) -> str | None:
    """``"<binding>, <why>"`` for the first binding the emulator does not run, or None when it runs them all."""
    for binding in bindings:
        if binding.type == "blobTrigger" and str(binding.settings.get("source", "")).lower() == "eventgrid":
            return (
                f"blobTrigger in ({binding.name}), source EventGrid needs Event Grid, which exchange does not emulate"
            )
        if (binding.type, binding.direction) in SUPPORTED:
            continue
        kind = binding.type.lower()
        service = _SERVICES.get(kind) or _SERVICES.get(kind.removesuffix("trigger"))
        if service is not None:
            why = f"exchange does not emulate {service}; the function runs on Azure"
        else:
            why = f"exchange does not emulate {binding.type} bindings; the function runs on Azure"
        return f"{binding.type} {binding.direction} ({binding.name}), {why}"
    return None
