"""``render_png``: the SVG badge rasterised by resvg (through ``resvg-py``).

resvg is a self-contained SVG renderer written in Rust and shipped as a wheel: no
Cairo, no browser, no system library. It draws with DejaVu Sans (``fonts-dejavu-core``
on Debian) and, for the scripts DejaVu lacks (Chinese, Japanese, Korean), with Noto Sans
CJK (``fonts-noto-cjk``), both installed by ``scripts/system-deps.sh``; every text is
fitted to its measured width by ``textLength``. Without DejaVu it falls back to the
system's fonts; without any font the badge is drawn without its texts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Final

import resvg_py

from pypins.render._svg import render_svg

#: Where DejaVu Sans is looked for (Debian/Ubuntu, Fedora, Arch, Alpine, Homebrew).
FONT_DIRS: Final = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts/dejavu",
    "/opt/homebrew/share/fonts",
)

#: The faces the badges use.
FONT_FILES: Final = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

#: Where Noto Sans CJK is looked for (Debian/Ubuntu, Fedora, Arch, Alpine).
CJK_FONT_DIRS: Final = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/noto",
)

#: Its regular and bold collections.
CJK_FONT_FILES: Final = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")

#: The scales ``render_png`` accepts: 1x, and 2x and 3x for high-density screens.
SCALES: Final = (1, 2, 3)

#: Characters DejaVu Sans lacks and Noto Sans CJK draws: Hangul, CJK symbols and
#: punctuation, kana, ideographs, compatibility and fullwidth forms.
_CJK: Final = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3200-\u9fff\ua960-\ua97f"
    "\uac00-\ud7ff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]"
)

_found: dict[str, list[str]] = {}


def _find(directories: Sequence[str], names: Sequence[str]) -> list[str]:
    """The paths of ``names`` in the first of ``directories`` that has them all, or ``[]``."""
    for directory in directories:
        paths = [os.path.join(directory, name) for name in names]
        if all(os.path.isfile(path) for path in paths):
            return paths
    return []


def font_files() -> list[str]:
    """The DejaVu Sans files found in ``FONT_DIRS`` (looked up once), or ``[]``."""
    if "dejavu" not in _found:
        _found["dejavu"] = _find(FONT_DIRS, FONT_FILES)
    return _found["dejavu"]


def cjk_font_files() -> list[str]:
    """The Noto Sans CJK files found in ``CJK_FONT_DIRS`` (looked up once), or ``[]``."""
    if "cjk" not in _found:
        _found["cjk"] = _find(CJK_FONT_DIRS, CJK_FONT_FILES)
    return _found["cjk"]


def _check_scale(scale: int) -> None:
    """Refuse a scale not in ``SCALES``."""
    if scale not in SCALES:
        raise ValueError(f"unsupported PNG scale {scale!r}; expected 1, 2 or 3")


def svg_to_png(svg: str, scale: int = 1, *, cjk: bool | None = None) -> bytes:
    """Rasterise an SVG document at ``scale`` (1, 2 or 3) into PNG bytes.

    Only DejaVu Sans is loaded when it is found (loading fonts is most of resvg's time),
    plus Noto Sans CJK when the document has characters DejaVu lacks (``cjk`` says so
    when the caller knows); otherwise the system's fonts are used.
    """
    _check_scale(scale)
    files = font_files()
    if files and (cjk if cjk is not None else _CJK.search(svg) is not None):
        files = files + cjk_font_files()
    png = resvg_py.svg_to_bytes(
        svg_string=svg,
        zoom=scale,
        font_files=files or None,
        skip_system_fonts=bool(files),
        font_family="DejaVu Sans",
        sans_serif_family="DejaVu Sans",
    )
    return bytes(png)


def render_png(
    label: str,
    message: str,
    color: str | None = "blue",
    *,
    label_color: str | None = None,
    style: str = "flat",
    scale: int = 1,
    logo: str | None = None,
    logo_color: str | None = None,
    logo_size: str | None = None,
    logo_width: float | None = None,
    links: Sequence[str] = (),
) -> bytes:
    """The badge of ``render_svg`` as PNG bytes, at ``scale`` 1, 2 or 3.

    Raises ``ValueError`` for an unknown style or a scale not in ``SCALES``.
    """
    _check_scale(scale)
    svg = render_svg(
        label,
        message,
        color,
        label_color=label_color,
        style=style,
        logo=logo,
        logo_color=logo_color,
        logo_size=logo_size,
        logo_width=logo_width,
        links=links,
    )
    return svg_to_png(svg, scale, cjk=_CJK.search(label + message) is not None)
