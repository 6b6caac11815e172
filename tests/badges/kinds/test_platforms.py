"""``/pypi/platforms``."""

from __future__ import annotations

from typing import Any

import pytest

from pypins.badges import Badge, facts_from_json
from pypins.badges.kinds import platforms
from pypins.badges.kinds.platforms import platform_families
from tests.badges.kinds.common import render
from tests.badges.support import make_document, sdist, wheel


@pytest.mark.parametrize(
    ("tags", "families"),
    [
        (("manylinux_2_17_x86_64", "manylinux2014_aarch64", "linux_armv7l"), ("linux",)),
        (("musllinux_1_2_x86_64",), ("musllinux",)),
        (("macosx_11_0_arm64", "win32", "win_amd64", "win_arm64"), ("macos", "windows")),
        (
            ("ios_13_0_arm64_iphoneos", "android_21_arm64_v8a", "pyodide_2025_0_wasm32"),
            ("android", "ios", "wasm"),
        ),
        (("emscripten_3_1_58_wasm32", "wasi_0_0_0_wasm32"), ("wasm",)),
        (("freebsd_14_0_amd64", "cygwin_x86_64", "linux_x86_64"), ("linux", "cygwin", "freebsd")),
        (("any", "win_amd64"), ("any", "windows")),
        ((), ()),
    ],
)
def test_platform_families(tags: tuple[str, ...], families: tuple[str, ...]) -> None:
    """Platform tags map to families in a fixed display order."""
    assert platform_families(tags) == families


@pytest.mark.parametrize(
    ("urls", "message", "color"),
    [
        (
            [wheel("x-1-py3-none-any.whl"), wheel("x-1-cp313-cp313-win_amd64.whl")],
            "pure",
            "brightgreen",
        ),
        (
            [
                wheel("x-1-cp313-cp313-win_amd64.whl"),
                wheel("x-1-cp313-cp313-musllinux_1_2_x86_64.whl"),
            ],
            "musllinux | windows",
            "blue",
        ),
        ([sdist()], "source only", "yellow"),
        ([{"packagetype": "bdist_egg", "filename": "x-1-py2.7.egg"}], "no wheels", "red"),
    ],
)
def test_platforms(urls: list[dict[str, Any]], message: str, color: str) -> None:
    """``pure``, the families, ``source only`` or ``no wheels``."""
    facts = facts_from_json(make_document(urls=urls))
    assert render(platforms.KIND, facts) == Badge("platforms", message, color)
