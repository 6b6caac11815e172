"""The packaged width table matches DejaVu Sans, and unknown characters get a width."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from pypins.render import _widths, render_svg, text_width
from pypins.render._widths import UNITS_PER_EM, fallback_units, table, text_units

SAMPLE = (
    [chr(code) for code in range(0x20, 0x7F)]
    + [chr(code) for code in range(0xA0, 0x100)]
    + list("ĀāŁłŒœŠšŽžƒǅǆȘș")  # Latin Extended-A/B
    + list("ΑΒΓΔαβγδλπωΩ")  # Greek
    + list("АБВГДЖЯабвгджя")  # Cyrillic
    + list("\u2013\u2014\u2018\u2019\u201c\u201d…•‰€™")  # punctuation and symbols
    + list("←↑→↓↔⇒≤≥≠±∞∑√∫")  # arrows and mathematical operators
)

SIZE_LIMIT = 300_000


@pytest.fixture(scope="module")
def fonts(dejavu_fonts: dict[str, Path]) -> Iterator[dict[str, TTFont]]:
    """The two DejaVu Sans faces, opened with fontTools."""
    opened = {weight: TTFont(str(path)) for weight, path in dejavu_fonts.items()}
    yield opened
    for font in opened.values():
        font.close()


def real_advance(font: TTFont, char: str) -> int:
    """The advance width of ``char`` in ``font``, in font units."""
    glyph = font.getBestCmap()[ord(char)]
    return int(font["hmtx"][glyph][0])


@pytest.mark.parametrize("weight", ["regular", "bold"])
def test_table_matches_the_font(fonts: dict[str, TTFont], weight: str) -> None:
    """Every sampled character has the font's own advance width in the table."""
    font = fonts[weight]
    assert font["head"].unitsPerEm == UNITS_PER_EM
    widths = table(weight)
    mismatches = {c: (widths.get(c), real_advance(font, c)) for c in SAMPLE}
    assert {c: pair for c, pair in mismatches.items() if pair[0] != pair[1]} == {}


@pytest.mark.parametrize(
    ("text", "bold", "size"),
    [("build", False, 11), ("passing", False, 11), ("PYPI", False, 10), ("V1.2.3", True, 10)],
)
def test_text_width_scales_font_units(
    fonts: dict[str, TTFont], text: str, bold: bool, size: int
) -> None:
    """A text's width is the sum of the real advances scaled to the font size."""
    font = fonts["bold" if bold else "regular"]
    expected = sum(real_advance(font, char) for char in text) * size / UNITS_PER_EM
    assert text_width(text, size, bold=bold) == pytest.approx(expected)


def test_table_is_small_and_covers_the_required_blocks() -> None:
    """The packaged table stays small and covers Latin, Greek, Cyrillic and symbols."""
    path = Path(_widths.__file__).with_name("widths.json")
    assert path.stat().st_size < SIZE_LIMIT
    widths = table("regular")
    for first, last in [(0x20, 0x24F), (0x391, 0x3C9), (0x410, 0x44F), (0x2190, 0x2193)]:
        missing = [hex(code) for code in range(first, last + 1) if chr(code) not in widths]
        assert len(missing) <= (last - first + 1) // 10, missing


@pytest.mark.parametrize(
    ("char", "units"),
    [
        ("\u0301", 0),  # combining acute accent
        ("\u061c", 0),  # Arabic letter mark (format character)
        ("\u20dd", 0),  # combining enclosing circle
        ("中", UNITS_PER_EM),  # CJK, East Asian wide
        ("가", UNITS_PER_EM),  # Hangul
        ("\uff21", UNITS_PER_EM),  # fullwidth A
        ("ｱ", UNITS_PER_EM // 2),  # halfwidth katakana
        ("🦄", UNITS_PER_EM * 5 // 4),  # emoji
        ("🚀", UNITS_PER_EM * 5 // 4),  # emoji
    ],
)
def test_fallback_widths(char: str, units: int) -> None:
    """Characters the table lacks get a width by rule."""
    assert char not in table("regular")
    assert fallback_units(char, "regular") == units
    assert text_units(char) == units


@pytest.mark.parametrize("weight", ["regular", "bold"])
def test_unknown_characters_are_as_wide_as_m(weight: str) -> None:
    """Other unknown characters (here Devanagari) count as the letter ``m``."""
    assert "क" not in table(weight)
    assert text_units("क", weight) == table(weight)["m"]


def test_mixed_known_and_unknown_text() -> None:
    """A text mixing known and unknown characters sums both."""
    assert text_units("a中b") == table("regular")["a"] + UNITS_PER_EM + table("regular")["b"]


def test_no_file_is_opened_once_the_table_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """After the first use, rendering new texts opens no file (no font at run time)."""
    render_svg("warm", "up")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file was opened while rendering")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(Path, "open", refuse)
    render_svg("brand new", "texts Ж 中 😀", style="for-the-badge")


def test_table_loads_lazily_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table is read on first use and kept."""
    monkeypatch.setattr(_widths, "_tables", {})
    calls: list[None] = []
    load = _widths._load

    def counting_load() -> None:
        calls.append(None)
        load()

    monkeypatch.setattr(_widths, "_load", counting_load)
    text_width("a")
    text_width("b", bold=True)
    assert len(calls) == 1
