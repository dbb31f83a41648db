"""tenant_context nests and restores, as a block and as a decorator."""

from __future__ import annotations

import pytest

from framework import ConfigurationError, tenant_context
from framework.context import current_tenant_id


def test_nested_tenant_contexts_restore_the_outer_tenant() -> None:
    with tenant_context("outer"):
        with tenant_context("inner"):
            assert current_tenant_id() == "inner"
        assert current_tenant_id() == "outer"
    assert current_tenant_id() is None


def test_decorator_scopes_each_call() -> None:
    @tenant_context("decorated")
    def who() -> str | None:
        return current_tenant_id()

    with tenant_context("outer"):
        assert who() == "decorated"
        assert current_tenant_id() == "outer"


def test_empty_tenant_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        tenant_context("")
