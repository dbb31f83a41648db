"""Emulator tests import deployments in-process, and indexing (like the real worker) writes the deployment's
Values into ``os.environ`` and puts its folder on ``sys.path``: give each test a clean copy of both back."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_environment_and_path() -> Iterator[None]:
    environ, path = dict(os.environ), list(sys.path)
    yield
    os.environ.clear()
    os.environ.update(environ)
    sys.path[:] = path
