"""compute_backoff is pure; RetryPolicy holds attempts, cap, jitter and what is retryable."""

from __future__ import annotations

import random

import pytest

from framework import ConfigurationError, RetryPolicy, compute_backoff


def test_backoff_grows_exponentially_without_jitter() -> None:
    assert [compute_backoff(n, 1.0, 2.0, cap=100) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]


def test_backoff_is_capped() -> None:
    assert [compute_backoff(n, 1.0, 3.0, cap=5.0) for n in (1, 2, 3, 10)] == [1.0, 3.0, 5.0, 5.0]


def test_jitter_only_shortens_the_delay_within_the_fraction() -> None:
    rng = random.Random(7)
    delays = [compute_backoff(3, 1.0, 2.0, cap=100, jitter=0.25, rng=rng) for _ in range(200)]
    assert all(3.0 <= d <= 4.0 for d in delays)
    assert len(set(delays)) > 100


def test_attempt_counts_from_one() -> None:
    with pytest.raises(ValueError):
        compute_backoff(0, 1.0)


def test_policy_honours_retry_after_up_to_its_cap() -> None:
    policy = RetryPolicy(base_delay_s=1, max_delay_s=10, jitter=False)
    assert policy.delay_for(1, at_least=4) == 4
    assert policy.delay_for(1, at_least=300) == 10


def test_policy_restricts_retries_to_its_error_types() -> None:
    policy = RetryPolicy(retryable_errors=(ConnectionError,))
    assert policy.allows(ConnectionResetError()) and not policy.allows(KeyError())
    assert RetryPolicy().allows(KeyError())


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"multiplier": 0.5}, {"jitter": 2.0}])
def test_out_of_range_policy_fails_at_construction(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
