"""Fixtures shared by the badge tests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.badges.support import make_document


@pytest.fixture
def document() -> Callable[..., dict[str, Any]]:
    """``make_document``, as a fixture."""
    return make_document


@pytest.fixture
def base_document() -> dict[str, Any]:
    """A fresh copy of the default minimal document."""
    return copy.deepcopy(make_document())
