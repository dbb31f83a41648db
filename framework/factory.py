"""``create_processor_handler``: a ready ProcessorHandler from a processor (or its class) and the services.

Given a class, the processor is built with the services its constructor asks for by name (``processing_service``,
``entity_service``, ``entity_repository``, ``state_tracking_service``, ``error_service``, ``database``, ``config``),
plus ``processor_kwargs``. A service a constructor requires but nobody gave is created over the database.

Every keyword is honoured or refused, never ignored: ``db_manager`` (the design document's name) is the
``database``; ``dead_letter_queue_client`` is refused (dead letters go to ``ProcessorConfig.dead_letter_queue``
through the storage connection in settings); extra keywords with ``processor=`` (an instance) are refused.
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
    db_manager: Database | None = None,
    **processor_kwargs: Any,
) -> ProcessorHandler:
    """A handler for ``processor``, or for a new ``processor_class`` built with the services it asks for."""
    if (processor is None) == (processor_class is None):
        raise ConfigurationError(
            "create_processor_handler needs exactly one of processor= or processor_class=.",
            hint="create_processor_handler(processor=MyProcessor(...)) or (processor_class=MyProcessor, config=...)",
        )
    database = _database(database, db_manager)
    _refuse(processor_kwargs, instance=processor is not None)
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
        try:
            processor = processor_class(**_constructor_kwargs(processor_class, available, context), **processor_kwargs)
        except TypeError as exc:
            raise ConfigurationError(
                f"create_processor_handler could not build {processor_class.__name__}: {exc}",
                hint=f"pass only keywords that {processor_class.__name__}.__init__ takes",
            ) from exc
    return ProcessorHandler(processor, config, context)


def _database(database: Database | None, db_manager: Database | None) -> Database | None:
    """``db_manager`` is the design document's name for the database; giving two different ones is an error."""
    if db_manager is None:
        return database
    from framework.db import Database

    if not isinstance(db_manager, Database):
        raise ConfigurationError(
            f"create_processor_handler(db_manager=...) needs a framework Database, got {type(db_manager).__name__}.",
            hint="db_manager=get_database() (or Database(url)); the handler stores entities and states there",
        )
    if database is not None and database is not db_manager:
        raise ConfigurationError(
            "create_processor_handler got both database= and db_manager=, and they differ.",
            hint="pass one of them",
        )
    return db_manager


def _refuse(extra: dict[str, Any], *, instance: bool) -> None:
    """Keywords that would otherwise be silently ignored."""
    if "dead_letter_queue_client" in extra:
        raise ConfigurationError(
            "create_processor_handler does not take dead_letter_queue_client=.",
            hint='dead letters go to ProcessorConfig(dead_letter_queue="dead-letter") through the storage '
            "connection in settings (AzureWebJobsStorage, or ProcessorConfig.connection_string)",
        )
    if instance and extra:
        names = ", ".join(sorted(extra))
        raise ConfigurationError(
            f"create_processor_handler(processor=...) got keywords it cannot use: {names}.",
            hint="they are constructor arguments: pass processor_class= instead of an instance, or drop them",
        )


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
        if name == "config" and not _takes_processor_config(cls, param):
            continue
        if value is None and param.default is not param.empty:
            continue
        if value is None and name in _SERVICES:
            value = getattr(context, name)  # required but not given: the context's, over the same database
        kwargs[name] = value
    return kwargs


def _takes_processor_config(cls: type, param: inspect.Parameter) -> bool:
    """Unannotated, or annotated with ProcessorConfig (or a subclass, or an Optional or union holding one).

    A string annotation (``from __future__ import annotations``) is evaluated where the constructor was defined,
    as typing does, not compared by name.
    """
    annotation = param.annotation
    if annotation is param.empty:
        return True
    if isinstance(annotation, str):
        annotation = _evaluate_annotation(cls, annotation)
    options = getattr(annotation, "__args__", None) or (annotation,)
    return any(isinstance(option, type) and issubclass(option, ProcessorConfig) for option in options)


def _evaluate_annotation(cls: type, text: str) -> object:
    """``text`` evaluated in the constructor's module, where ``ProcessorConfig`` is known even when that module
    imports it for type checking only; one that cannot be evaluated fails the wiring rather than being guessed."""
    namespace = dict(getattr(cls.__init__, "__globals__", {}))  # type: ignore[misc]
    namespace.setdefault("ProcessorConfig", ProcessorConfig)
    try:
        return eval(text, namespace)  # an annotation of the user's own class, as typing.get_type_hints evaluates it
    except Exception as exc:
        raise ConfigurationError(
            f"create_processor_handler cannot tell what {cls.__name__}.__init__ takes as config: its annotation "
            f"{text!r} does not evaluate ({type(exc).__name__}: {exc}).",
            hint="import the type it names at run time (not only under TYPE_CHECKING), or drop the annotation",
        ) from exc
