"""``/pypi/pyversions``: Python versions (shields' ``pypi-python-versions.service.js``);
pypip.in's ``/py_versions/``.

shields reads only the ``Programming Language :: Python`` classifiers; without them
pypins derives versions from CPython wheel tags, then ``Requires-Python``. pypip.in
joined ``X.Y`` versions with ``, `` and assumed ``2.7`` without them: pypins derives
them here too, and says ``none found`` when nothing is known.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer, pypip_in
from pypins.badges.facts import PackageFacts
from pypins.badges.pythons import python_support

__all__ = ["KIND", "LEGACY", "PLAYWRIGHT", "legacy_pyversions_badge", "pyversions_badge"]

LABEL: Final = "python"

#: A project without version classifiers, whose ``Requires-Python`` gives the versions.
PLAYWRIGHT: Final = PackageFacts(
    name="playwright",
    normalized_name="playwright",
    version="1.56.0",
    highest_version="1.56.0",
    license_expression="Apache-2.0",
    requires_python=">=3.9",
    file_kinds=("wheel",),
    wheel_pythons=("py3-none",),
    wheel_platforms=(
        "macosx_10_13_x86_64",
        "macosx_11_0_arm64",
        "manylinux1_x86_64",
        "manylinux_2_17_aarch64",
        "win32",
        "win_amd64",
        "win_arm64",
    ),
    upload_time=datetime(2026, 10, 2, 17, 40, tzinfo=UTC),
)


def pyversions_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Python versions joined by `` | ``, blue; ``missing`` in red when none is known."""
    support = python_support(facts, now)
    if not support.versions:
        return Badge(LABEL, "missing", "red")
    return Badge(LABEL, " | ".join(support.versions), "blue")


def legacy_pyversions_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``X.Y`` versions joined by ``, ``, blue; derived like ``pyversions``; else ``none found``."""
    support = python_support(facts, now, classifier_majors=False)
    message = ", ".join(support.versions) if support.versions else "none found"
    return Badge(LABEL, message, "blue")


KIND: Final = BadgeKind(
    segment="pyversions",
    title="PyPI - Python Version",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description=(
        "Python versions from the ``Programming Language :: Python`` classifiers; "
        "without them, derived from CPython wheel tags, then ``Requires-Python``."
    ),
    renderer=pypi_renderer(pyversions_badge),
    examples=(
        example("django", samples.DJANGO, LABEL, "3.10 | 3.11 | 3.12 | 3.13 | 3.14", "blue"),
        example(
            "playwright",
            PLAYWRIGHT,
            LABEL,
            "3.9 | 3.10 | 3.11 | 3.12 | 3.13 | 3.14 | 3.15",
            "blue",
            note="no version classifiers: derived from Requires-Python >=3.9",
        ),
        example("sklearn", samples.SKLEARN, LABEL, "missing", "red"),
    ),
)

LEGACY: Final = pypip_in(
    KIND,
    "py_versions",
    title="pypip.in - Python Versions",
    description=(
        "``X.Y`` versions from classifiers joined by ``, ``; without them, derived as "
        "``pyversions`` derives them (pypip.in assumed 2.7)."
    ),
    renderer=pypi_renderer(legacy_pyversions_badge),
    examples=(
        example("yarg", samples.YARG, LABEL, "2.7, 3.3, 3.4, 3.5, 3.6", "blue"),
        example("sklearn", samples.SKLEARN, LABEL, "none found", "blue"),
    ),
)
