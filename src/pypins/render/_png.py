"""``render_png``: the SVG badge rasterised by resvg (through ``resvg-py``).

resvg is a self-contained SVG renderer written in Rust and shipped as a wheel: no
Cairo, no browser, no system library. It gets the DejaVu fonts the widths come from
when they are installed (``fonts-dejavu-core`` on Debian) and falls back to the
system's fonts otherwise; without any font the badge is drawn without its texts.
"""

from __future__ import annotations

import os
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

#: The faces the badges use, the ones the width table was made from.
FONT_FILES: Final = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

#: The scales ``render_png`` accepts: 1 for 1x, 2 for high-density screens.
SCALES: Final = (1, 2)

_found: list[list[str]] = []


def font_files() -> list[str]:
    """The DejaVu Sans files found in ``FONT_DIRS`` (looked up once), or ``[]``."""
    if not _found:
        for directory in FONT_DIRS:
            paths = [os.path.join(directory, name) for name in FONT_FILES]
            if all(os.path.isfile(path) for path in paths):
                _found.append(paths)
                break
        else:
            _found.append([])
    return _found[0]


def svg_to_png(svg: str, scale: int = 1) -> bytes:
    """Rasterise an SVG document at ``scale`` (1 or 2) into PNG bytes.

    Only the two DejaVu Sans files are loaded when they are found (loading fonts is
    most of resvg's time); otherwise the system's fonts are used.
    """
    if scale not in SCALES:
        raise ValueError(f"unsupported PNG scale {scale!r}; expected 1 or 2")
    files = font_files()
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
) -> bytes:
    """The badge of ``render_svg`` as PNG bytes, at ``scale`` 1 or 2.

    Raises ``ValueError`` for an unknown style or a scale other than 1 or 2.
    """
    if scale not in SCALES:
        raise ValueError(f"unsupported PNG scale {scale!r}; expected 1 or 2")
    svg = render_svg(label, message, color, label_color=label_color, style=style)
    return svg_to_png(svg, scale)
