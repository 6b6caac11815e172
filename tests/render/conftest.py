"""Fixtures and helpers shared by the renderer's tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pypins.render import _colors, _logos, _text
from tests.support.binaries import in_ci

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEJAVU_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Each test starts and ends with empty text and colour caches."""
    _text.clear_caches()
    _colors.clear_cache()
    _logos.clear_cache()
    yield
    _text.clear_caches()
    _colors.clear_cache()
    _logos.clear_cache()


@pytest.fixture(scope="session")
def dejavu_fonts() -> dict[str, Path]:
    """Paths of DejaVu Sans regular and bold (skips locally, fails in CI when missing)."""
    paths = {weight: DEJAVU_DIR / name for weight, name in DEJAVU_FILES.items()}
    if not all(os.path.isfile(path) for path in paths.values()):
        message = "fonts-dejavu-core is not installed (run scripts/system-deps.sh as root)"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return paths


@pytest.fixture(scope="session")
def noto_cjk_fonts() -> Path:
    """Noto Sans CJK (skips locally, fails in CI when missing)."""
    if not NOTO_CJK.is_file():
        message = "fonts-noto-cjk is not installed (run scripts/system-deps.sh as root)"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return NOTO_CJK
