"""``create_processor_handler``: a ready ProcessorHandler from a processor (or its class) and the services.

Given a class, the processor is built with the services its constructor asks for by name (``processing_service``,
``entity_service``, ``entity_repository``, ``state_tracking_service``, ``error_service``, ``database``, ``config``),
plus ``processor_kwargs``. A service a constructor requires but nobody gave is created over the database.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from framework.config import ProcessorConfig
from framework.errors import ConfigurationError
from framework.handler import ProcessorHandler
from framework.processor import ProcessorInterface
from framework.processor_context import ProcessorContext

if TYPE_CHECKING:
    from framework.db import Database


def create_processor_handler(
    processor: ProcessorInterface | None = None,
    *,
    processor_class: type[ProcessorInterface] | None = None,
    config: ProcessorConfig | None = None,
    processing_service: Any = None,
    entity_service: Any = None,
    entity_repository: Any = None,
    state_tracking_service: Any = None,
    error_service: Any = None,
    database: Database | None = None,
    **processor_kwargs: Any,
) -> ProcessorHandler:
    """A handler for ``processor``, or for a new ``processor_class`` built with the services it asks for."""
    if (processor is None) == (processor_class is None):
        raise ConfigurationError(
            "create_processor_handler needs exactly one of processor= or processor_class=.",
            hint="create_processor_handler(processor=MyProcessor(...)) or (processor_class=MyProcessor, config=...)",
        )
    name_source = processor_class or type(processor)
    config = config or ProcessorConfig(processor_name=name_source.__name__)
    context = ProcessorContext(
        processing_service, state_tracking_service, error_service, entity_service, database=database, config=config
    )
    if processor is None:
        assert processor_class is not None
        available = {
            "config": config,
            "database": database,
            "entity_repository": entity_repository,
            "processing_service": processing_service,
            "entity_service": entity_service,
            "state_tracking_service": state_tracking_service,
            "error_service": error_service,
        }
        processor = processor_class(**_constructor_kwargs(processor_class, available, context), **processor_kwargs)
    return ProcessorHandler(processor, config, context)


_SERVICES = ("processing_service", "entity_service", "state_tracking_service", "error_service", "database")


def _constructor_kwargs(cls: type, available: dict[str, Any], context: ProcessorContext) -> dict[str, Any]:
    """The injectables ``cls.__init__`` names (all given services if it takes ``**kwargs``).

    ``config`` is passed only to a parameter annotated ``ProcessorConfig`` (or not annotated): processors often
    take a config class of their own under that name.
    """
    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return {}
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    kwargs: dict[str, Any] = {}
    for name, value in available.items():
        param = params.get(name)
        if param is None:
            if takes_any and value is not None and name != "config":
                kwargs[name] = value
            continue
        if name == "config" and "ProcessorConfig" not in str(param.annotation) and param.annotation is not param.empty:
            continue
        if value is None and param.default is not param.empty:
            continue
        if value is None and name in _SERVICES:
            value = getattr(context, name)  # required but not given: the context's, over the same database
        kwargs[name] = value
    return kwargs
