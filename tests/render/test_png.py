"""``render_png``: real PNGs at 1x, 2x and 3x, with texts, CJK texts and logos drawn."""

from __future__ import annotations

import base64
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
@pytest.mark.parametrize("scale", _png.SCALES)
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


@pytest.mark.parametrize("scale", [0, 4, -1, 10])
def test_other_scales_are_refused(scale: int) -> None:
    """Only 1x, 2x and 3x exist."""
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
    monkeypatch.setattr(_png, "_found", {})
    assert _png.font_files() == []
    assert png_size(render_png("no", "fonts"))[1] == 20


def test_awkward_texts_rasterise() -> None:
    """Escaped and non-Latin texts go through the rasteriser too."""
    png = render_png("<&>", "日本語 😀 \x00", style="for-the-badge", scale=2)
    assert png_size(png)[1] == 56


@pytest.mark.parametrize("scale", _png.SCALES)
def test_cjk_texts_are_drawn_not_boxes(noto_cjk_fonts: object, scale: int) -> None:
    """Different CJK texts of one width give different pixels: glyphs, not tofu boxes.

    Without Noto Sans CJK every such character is DejaVu's same empty box, so the two
    badges come out identical; the control below shows the test would notice.
    """
    for first, second in [("中文", "日本"), ("ひらがな", "カタカナ"), ("한국어", "조선말")]:
        one = render_png("言語", first, scale=scale)
        other = render_png("言語", second, scale=scale)
        assert png_size(one) == png_size(other)
        assert one != other, (first, second)


def test_without_a_cjk_font_cjk_texts_are_boxes(
    dejavu_fonts: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: with DejaVu alone two CJK texts are the same boxes."""
    monkeypatch.setattr(_png, "_found", {"cjk": []})
    assert render_png("言語", "中文") == render_png("言語", "日本")


def test_cjk_fonts_are_loaded_only_for_cjk_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Latin badges load DejaVu alone (loading fonts is most of resvg's time)."""
    loaded: list[list[str] | None] = []
    real = _png.resvg_py.svg_to_bytes

    def spy(**kwargs: object) -> bytes:
        loaded.append(kwargs["font_files"])  # type: ignore[arg-type]
        return bytes(real(**kwargs))  # type: ignore[arg-type]

    monkeypatch.setattr(_png.resvg_py, "svg_to_bytes", spy)
    monkeypatch.setattr(_png, "_found", {"dejavu": ["d.ttf"], "cjk": ["c.ttc"]})
    render_png("build", "passing é → ✓")
    render_png("build", "中文")
    assert loaded == [["d.ttf"], ["d.ttf", "c.ttc"]]


@pytest.mark.parametrize("style", STYLES)
def test_logos_are_drawn(style: str) -> None:
    """A named logo's colour changes the pixels (resvg draws the embedded image)."""
    white = render_png("python", "3.12", logo="python", logo_color="white", style=style)
    black = render_png("python", "3.12", logo="python", logo_color="black", style=style)
    assert png_size(white) == png_size(black)
    assert white != black


def png_logo(rgba: bytes, side: int = 14) -> str:
    """A one-colour ``side``-pixel square PNG as a data URI."""
    rows = (b"\x00" + rgba * side) * side

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)
    png = (
        SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@pytest.mark.parametrize("style", ["flat", "social"])
def test_png_and_svg_data_logos_are_drawn(style: str) -> None:
    """Data URI logos are drawn: a red and a blue logo give different pixels."""
    red = render_png("png", "logo", logo=png_logo(b"\xff\x00\x00\xff"), style=style)
    blue = render_png("png", "logo", logo=png_logo(b"\x00\x00\xff\xff"), style=style)
    assert png_size(red) == png_size(blue)
    assert red != blue
    square = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1">'
        '<rect width="1" height="1" fill="{}"/></svg>'
    )
    svgs = [
        "data:image/svg+xml;base64," + base64.b64encode(square.format(fill).encode()).decode()
        for fill in ("red", "blue")
    ]
    assert render_png("svg", "logo", logo=svgs[0], style=style) != render_png(
        "svg", "logo", logo=svgs[1], style=style
    )
