"""``/pypi/free-threading``: free-threaded CPython wheels (pypins), read from the wheels'
ABI tags (``cp313t``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer
from pypins.badges.facts import PackageFacts
from pypins.badges.kinds.platforms import is_pure

__all__ = ["KIND", "free_threaded_versions", "free_threading_badge"]

LABEL: Final = "free-threading"
_FREE_THREADED_ABI: Final = re.compile(r"cp(\d)(\d+)t")


def free_threaded_versions(wheel_pythons: tuple[str, ...]) -> tuple[str, ...]:
    """``X.Yt`` for each free-threaded CPython ABI among the wheels (``cp313t``), sorted."""
    found: set[tuple[int, int]] = set()
    for pair in wheel_pythons:
        abi = pair.partition("-")[2]
        if match := _FREE_THREADED_ABI.fullmatch(abi):
            found.add((int(match.group(1)), int(match.group(2))))
    return tuple(f"{major}.{minor}t" for major, minor in sorted(found))


def free_threading_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Free-threaded wheels' versions (brightgreen), ``pure`` (green), ``no`` or ``no wheels``."""
    versions = free_threaded_versions(facts.wheel_pythons)
    if versions:
        return Badge(LABEL, " | ".join(versions), "brightgreen")
    if is_pure(facts):
        return Badge(LABEL, "pure", "green")
    if facts.has_wheel:
        return Badge(LABEL, "no", "red")
    return Badge(LABEL, "no wheels", "lightgrey")


KIND: Final = BadgeKind(
    segment="free-threading",
    title="PyPI - Free-threading",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description=(
        "Free-threaded CPython wheels (``cp313t``): their versions in brightgreen; "
        "``pure`` (green) when a pure-Python wheel serves every interpreter; ``no`` "
        "(red) with only other binary wheels; ``no wheels`` (lightgrey) (pypins)."
    ),
    renderer=pypi_renderer(free_threading_badge),
    examples=(
        example("numpy", samples.NUMPY, LABEL, "3.13t | 3.14t", "brightgreen"),
        example("django", samples.DJANGO, LABEL, "pure", "green"),
        example("docopt", samples.DOCOPT, LABEL, "no wheels", "lightgrey"),
    ),
)
