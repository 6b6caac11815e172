"""``/pypi/free-threading``."""

from __future__ import annotations

import pytest

from pypins.badges import Badge, facts_from_json
from pypins.badges.kinds import free_threading
from pypins.badges.kinds.free_threading import free_threaded_versions
from tests.badges.kinds.common import render
from tests.badges.support import make_document, sdist, wheel


@pytest.mark.parametrize(
    ("filenames", "message", "color"),
    [
        (
            ["x-1-cp313-cp313t-win_amd64.whl", "x-1-cp314-cp314t-win_amd64.whl"],
            "3.13t | 3.14t",
            "brightgreen",
        ),
        (["x-1-cp313-cp313t-win_amd64.whl", "x-1-py3-none-any.whl"], "3.13t", "brightgreen"),
        (["x-1-py3-none-any.whl"], "pure", "green"),
        (["x-1-cp312-abi3-win_amd64.whl", "x-1-cp313-cp313-win_amd64.whl"], "no", "red"),
        ([], "no wheels", "lightgrey"),
    ],
)
def test_free_threading(filenames: list[str], message: str, color: str) -> None:
    """Free-threaded ABIs, else pure, else no."""
    facts = facts_from_json(make_document(urls=[sdist(), *map(wheel, filenames)]))
    assert render(free_threading.KIND, facts) == Badge("free-threading", message, color)


@pytest.mark.parametrize(
    ("wheel_pythons", "versions"),
    [
        (("cp313-cp313t", "cp39-cp39t", "cp313-cp313"), ("3.9t", "3.13t")),  # 3.9t before 3.13t
        (("cp313-cp313", "py3-none"), ()),
    ],
)
def test_free_threaded_versions(wheel_pythons: tuple[str, ...], versions: tuple[str, ...]) -> None:
    """Free-threaded ABIs give ``X.Yt``, sorted numerically."""
    assert free_threaded_versions(wheel_pythons) == versions
