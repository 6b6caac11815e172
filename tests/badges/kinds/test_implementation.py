"""``/pypi/implementation`` (shields) and pypip.in's ``/implementation/``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pypins.badges import Badge
from pypins.badges.kinds import implementation
from tests.badges.kinds.common import BARE, render

(LEGACY,) = implementation.LEGACY


@pytest.mark.parametrize(
    ("implementations", "message"),
    [
        ((), "cpython"),
        (("CPython",), "cpython"),
        (("PyPy", "CPython"), "cpython | pypy"),
        (("Jython", "IronPython", "CPython"), "cpython | ironpython | jython"),
    ],
)
def test_implementation(implementations: tuple[str, ...], message: str) -> None:
    """Lower case, sorted, `` | ``; CPython is assumed (shields' pypi/implementation)."""
    facts = replace(BARE, implementations=implementations)
    assert render(implementation.KIND, facts) == Badge("implementation", message, "blue")


@pytest.mark.parametrize(
    ("implementations", "message"),
    [((), "cpython"), (("PyPy", "CPython"), "pypy, cpython")],
)
def test_legacy_implementation(implementations: tuple[str, ...], message: str) -> None:
    """pypip.in: lower case, in classifier order, joined by ``, ``; cpython by default."""
    facts = replace(BARE, implementations=implementations)
    assert render(LEGACY, facts) == Badge("implementation", message, "blue")
