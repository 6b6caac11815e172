"""``/pypi/platforms``: the platforms the release's wheels cover (pypins), as families of
their platform tags."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer
from pypins.badges.facts import PackageFacts

__all__ = ["KIND", "is_pure", "platform_families", "platforms_badge"]

LABEL: Final = "platforms"
_ORDER: Final = ("linux", "musllinux", "macos", "windows", "android", "ios", "wasm")
_PREFIXES: Final = (
    ("manylinux", "linux"),
    ("linux_", "linux"),
    ("musllinux_", "musllinux"),
    ("macosx_", "macos"),
    ("win32", "windows"),
    ("win_", "windows"),
    ("android_", "android"),
    ("ios_", "ios"),
    ("emscripten_", "wasm"),
    ("pyodide_", "wasm"),
    ("wasi_", "wasm"),
)


def is_pure(facts: PackageFacts) -> bool:
    """Whether a wheel of the release serves every platform (platform tag ``any``)."""
    return "any" in facts.wheel_platforms


def _platform_family(tag: str) -> str:
    for prefix, family in _PREFIXES:
        if tag.startswith(prefix):
            return family
    return tag.split("_", 1)[0]


def platform_families(wheel_platforms: tuple[str, ...]) -> tuple[str, ...]:
    """Platform families of wheel platform tags (``any`` stays ``any``), in display order."""
    families = {_platform_family(tag) for tag in wheel_platforms}
    known = [family for family in _ORDER if family in families]
    others = sorted(families - set(_ORDER) - {"any"})
    return tuple(["any"] if "any" in families else []) + tuple(known) + tuple(others)


def platforms_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``pure``, the wheels' platform families, ``source only`` or ``no wheels``."""
    if is_pure(facts):
        return Badge(LABEL, "pure", "brightgreen")
    families = platform_families(facts.wheel_platforms)
    if families:
        return Badge(LABEL, " | ".join(families), "blue")
    if "source" in facts.file_kinds:
        return Badge(LABEL, "source only", "yellow")
    return Badge(LABEL, "no wheels", "red")


KIND: Final = BadgeKind(
    segment="platforms",
    title="PyPI - Platforms",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description=(
        "Platforms the release's wheels cover: ``pure`` for a pure-Python wheel, else "
        "linux, musllinux, macos, windows, android, ios, wasm and others; ``source "
        "only`` without wheels (pypins)."
    ),
    renderer=pypi_renderer(platforms_badge),
    examples=(
        example("numpy", samples.NUMPY, LABEL, "linux | musllinux | macos | windows", "blue"),
        example("django", samples.DJANGO, LABEL, "pure", "brightgreen"),
        example("docopt", samples.DOCOPT, LABEL, "source only", "yellow"),
    ),
)
