"""ProcessingResult in both construction styles."""

from __future__ import annotations

import pytest

from framework import ExchangeError, Message, NoOpOutputHandler, ProcessingResult, ProcessingStatus


def test_v2_factories_and_builders() -> None:
    result = ProcessingResult.create_success(entities_created=["e1"], processing_metadata={"n": 5})
    result.add_entity_created("e2").add_output_handler(NoOpOutputHandler())

    assert (result.success, result.status) == (True, ProcessingStatus.SUCCESS)
    assert result.entities_created == ["e1", "e2"]
    assert result.to_dict()["output_handlers"] == [{"handler": "noop", "destination": "none", "config": {}}]

    failure = ProcessingResult.create_failure("bad", error_code="X", can_retry=False)
    assert (failure.success, failure.status, failure.can_retry, failure.error_code) == (
        False,
        ProcessingStatus.FAILED,
        False,
        "X",
    )


def test_v1_keywords_status_metadata_and_retry_after() -> None:
    message = Message(payload={"a": 1})
    result = ProcessingResult(
        status=ProcessingStatus.SUCCESS,
        success=True,
        output_messages=[message],
        routing_info={"destination": "barista-queue"},
        metadata={"file_written": True},
    )
    assert result.processing_metadata == {"file_written": True} and result.metadata is result.processing_metadata
    assert result.to_dict()["output_messages"][0]["payload"] == {"a": 1}

    failed = ProcessingResult(success=False, error_message="later", retry_after_seconds=300)
    assert (failed.status, failed.retry_after_seconds) == (ProcessingStatus.FAILED, 300)
    assert ProcessingResult(status=ProcessingStatus.FAILED).success is False


def test_contradicting_or_missing_outcome_is_refused() -> None:
    with pytest.raises(ExchangeError, match="disagree"):
        ProcessingResult(success=True, status=ProcessingStatus.FAILED)
    with pytest.raises(ExchangeError, match="needs success= or status="):
        ProcessingResult()


def test_success_is_read_from_status_and_cannot_be_set_apart_from_it() -> None:
    result = ProcessingResult(success=True)
    assert result.status is ProcessingStatus.SUCCESS
    result.mark_failed("outputs failed", "OUTPUT_FAILED", can_retry=True)
    assert (result.success, result.status) == (False, ProcessingStatus.FAILED)
    with pytest.raises(AttributeError):
        result.success = True  # type: ignore[misc]
    assert ProcessingResult(status="skipped").success is True  # skipped is processed, not failed
    assert result.to_dict()["success"] is False and result.to_dict()["status"] == "failed"
