"""``/pypi/pyversions`` (ports of shields' tests) and pypip.in's ``/py_versions/``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pypins.badges import Badge, facts_from_json
from pypins.badges.kinds import pyversions
from tests.badges.kinds.common import BARE, render
from tests.badges.support import make_document, make_facts, wheel

(LEGACY,) = pyversions.LEGACY


@pytest.mark.parametrize(
    ("classifiers", "message", "color"),
    [
        # shields' pypi-python-versions.tester.js shapes
        (["Programming Language :: Python :: 3 :: Only"], "3", "blue"),
        (
            [
                "Programming Language :: Python :: 3 :: Only",
                "Programming Language :: Python :: 3.5",
                "Programming Language :: Python :: 3.6",
                "Programming Language :: Python :: 3.7",
            ],
            "3.5 | 3.6 | 3.7",
            "blue",
        ),
        ([], "missing", "red"),
        (
            [
                "Programming Language :: Python :: 3.10",
                "Programming Language :: Python :: 3.9",
                "Programming Language :: Python :: 3",
            ],
            "3.9 | 3.10",
            "blue",
        ),
    ],
)
def test_pyversions(classifiers: list[str], message: str, color: str) -> None:
    """Classifier versions sorted and joined with `` | `` (shields' pypi/pyversions)."""
    facts = make_facts(classifiers=classifiers)
    assert render(pyversions.KIND, facts) == Badge("python", message, color)


def test_pyversions_derives_from_requires_python() -> None:
    """Without classifiers, ``Requires-Python`` gives the released versions it allows."""
    facts = make_facts(requires_python=">=3.13")
    assert render(pyversions.KIND, facts).message == "3.13 | 3.14 | 3.15"


def test_pyversions_derives_from_cpython_wheels() -> None:
    """Without classifiers, CPython wheel tags name the versions."""
    document = make_document(
        urls=[
            wheel("demo-1.0-cp312-cp312-win_amd64.whl"),
            wheel("demo-1.0-cp313-cp313-win_amd64.whl"),
        ],
        info={"requires_python": ">=3.8"},
    )
    assert render(pyversions.KIND, facts_from_json(document)).message == "3.12 | 3.13"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"python_versions": ("2", "2.7", "3", "3.4")}, "2.7, 3.4"),
        ({"python_versions": ("3",), "requires_python": ">=3.14"}, "3.14, 3.15"),
        ({"requires_python": ">=3.14"}, "3.14, 3.15"),
        ({"python_only_majors": ("3",)}, "none found"),
        ({}, "none found"),
    ],
)
def test_legacy_py_versions(changes: dict[str, Any], message: str) -> None:
    """pypip.in: ``X.Y`` classifiers joined by ``, ``, else derived; never an assumed 2.7."""
    facts = replace(BARE, **changes)
    assert render(LEGACY, facts) == Badge("python", message, "blue")
