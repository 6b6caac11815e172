"""``render_png``: real PNGs at 1x and 2x, with texts drawn."""

from __future__ import annotations

import struct
import zlib

import pytest

from pypins.render import STYLES, _png, render_png, render_svg
from tests.render.svgtools import parse_svg

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, checking the signature and chunk CRC."""
    assert png[:8] == SIGNATURE
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    data = png[16:29]
    (crc,) = struct.unpack(">I", png[29:33])
    assert crc == zlib.crc32(kind + data)
    width, height = struct.unpack(">II", data[:8])
    return width, height


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("scale", [1, 2])
def test_dimensions_follow_the_svg(style: str, scale: int) -> None:
    """The PNG is the SVG's size times the scale, in every style."""
    root = parse_svg(render_svg("build", "passing", "green", style=style))
    width = float(root.get("width") or 0)
    height = int(root.get("height") or 0)
    png = render_png("build", "passing", "green", style=style, scale=scale)
    assert png.endswith(b"IEND\xaeB`\x82")
    png_width, png_height = png_size(png)
    assert png_height == height * scale
    assert abs(png_width - width * scale) < 1 + scale


@pytest.mark.parametrize("scale", [0, 3, -1, 10])
def test_other_scales_are_refused(scale: int) -> None:
    """Only 1x and 2x exist."""
    with pytest.raises(ValueError, match="scale"):
        render_png("a", "b", scale=scale)
    with pytest.raises(ValueError, match="scale"):
        _png.svg_to_png(render_svg("a", "b"), scale)


def test_unknown_style_is_refused() -> None:
    """The PNG renderer checks the style like the SVG one."""
    with pytest.raises(ValueError, match="unknown badge style"):
        render_png("a", "b", style="nope")


def test_texts_are_drawn() -> None:
    """Two badges with the same boxes but different texts give different pixels."""
    first = render_png("ab", "cd")
    second = render_png("ba", "dc")
    assert png_size(first) == png_size(second)
    assert first != second


def test_dejavu_is_found(dejavu_fonts: object) -> None:
    """With fonts-dejavu-core installed, only the two DejaVu files are loaded."""
    files = _png.font_files()
    assert [path.rsplit("/", 1)[1] for path in files] == list(_png.FONT_FILES)


def test_without_dejavu_system_fonts_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """When DejaVu is nowhere to be found, resvg falls back to system fonts."""
    monkeypatch.setattr(_png, "FONT_DIRS", ("/nonexistent/fonts",))
    monkeypatch.setattr(_png, "_found", [])
    assert _png.font_files() == []
    assert png_size(render_png("no", "fonts"))[1] == 20


def test_awkward_texts_rasterise() -> None:
    """Escaped and non-Latin texts go through the rasteriser too."""
    png = render_png("<&>", "日本語 😀 \x00", style="for-the-badge", scale=2)
    assert png_size(png)[1] == 56
