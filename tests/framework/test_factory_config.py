"""create_processor_handler passes ``config`` by what the constructor's annotation evaluates to, never by its text."""

from __future__ import annotations

from typing import Any

import pytest

from framework import (
    ConfigurationError,
    Message,
    ProcessingResult,
    ProcessorConfig,
    ProcessorContext,
    ProcessorInterface,
    create_processor_handler,
)


class Base(ProcessorInterface):
    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        return ProcessingResult.create_success()


class TakesFrameworkConfig(Base):
    def __init__(self, config: ProcessorConfig | None = None) -> None:
        self.config = config


class OwnConfig:
    """A processor's own settings class, which happens to be called config too."""


class TakesOwnConfig(Base):
    def __init__(self, config: OwnConfig | None = None) -> None:
        self.config = config


class TakesUnknownConfig(Base):
    def __init__(self, config: NotImportedAnywhere | None = None) -> None:  # type: ignore[name-defined]  # noqa: F821
        self.config = config


def _built(cls: type[Any]) -> Any:
    config = ProcessorConfig(processor_name="p")
    return create_processor_handler(processor_class=cls, config=config).processor


def test_config_goes_to_a_parameter_annotated_with_processor_config() -> None:
    assert isinstance(_built(TakesFrameworkConfig).config, ProcessorConfig)


def test_config_does_not_go_to_a_parameter_annotated_with_the_processors_own_class() -> None:
    assert _built(TakesOwnConfig).config is None


def test_processor_config_imported_for_type_checking_only_is_still_recognised() -> None:
    namespace: dict[str, Any] = {"Base": Base}
    exec(  # a module that imports ProcessorConfig only under TYPE_CHECKING: the name is not in its globals
        "from __future__ import annotations\n"
        "class Lazy(Base):\n    def __init__(self, config: ProcessorConfig | None = None) -> None:\n"
        "        self.config = config\n",
        namespace,
    )
    assert isinstance(_built(namespace["Lazy"]).config, ProcessorConfig)


def test_an_annotation_that_cannot_be_evaluated_fails_the_wiring_and_names_it() -> None:
    with pytest.raises(ConfigurationError, match=r"TakesUnknownConfig.__init__ .*'NotImportedAnywhere \| None'"):
        _built(TakesUnknownConfig)
