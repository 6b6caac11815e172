"""The packaged width table is anafanafo's, measured the way badge-maker measures.

The expected figures are anafanafo 2.0.0's (``data/*.json`` in the npm package), the
tables badge-maker 6.0.0 measures with; ``test_golden.py`` checks whole badges.
"""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from pypins.render import _widths, render_svg, text_width
from pypins.render._text import utf16_length
from pypins.render._widths import FONTS, WidthTable, table

SIZE_LIMIT = 400_000


@pytest.mark.parametrize(
    ("font", "char", "hundredths"),
    [
        ("11px Verdana", " ", 387),
        ("11px Verdana", "m", 1070),
        ("11px Verdana", "0", 699),
        ("11px Verdana", "|", 500),
        ("11px Verdana", "W", 1088),
        ("11px Verdana", "中", 1100),  # CJK ideographs: one em
        ("10px Verdana", "m", 973),
        ("bold 10px Verdana", "m", 1058),
        ("bold 11px Helvetica", "m", 997),
        ("bold 11px Helvetica", "中", 1100),
    ],
)
def test_known_advances(font: str, char: str, hundredths: int) -> None:
    """Sample advances are anafanafo's, in hundredths of a pixel."""
    assert table(font).char(char) == hundredths


@pytest.mark.parametrize("font", FONTS)
def test_uncovered_characters_measure_as_m(font: str) -> None:
    """Kana, Hangul and emoji are not in anafanafo's tables: they count as ``m``."""
    widths = table(font)
    for char in "ひ한😀\U000e0100"[:3]:
        assert widths.char(char) == widths.em == widths.char("m")


@pytest.mark.parametrize("font", FONTS)
def test_control_characters_measure_zero(font: str) -> None:
    """C0 controls and DEL are zero wide, as in anafanafo."""
    assert table(font).hundredths("\x00\x1f\x7f") == 0


def test_pixels_truncate_like_javascript() -> None:
    """A sum that is a whole number of pixels is truncated as JavaScript's float sum is."""
    widths = WidthTable([0x61, 0, 10, 0, 0, 20, 0, 0, 30, 0, 0, 70])  # a=.1 b=.2 c=.3 d=.7
    assert widths.hundredths("abc") == 60
    assert widths.pixels("abcd") == 1  # 0.1 + 0.2 + 0.3 + 0.7 = 1.3 in floats too
    # 0.1 + 0.2 + 0.7 is exactly 1.0 in floating point, left to right.
    assert widths.pixels("abd") == 1
    # 0.7 + 0.2 + 0.1 is 0.9999999999999999 in floating point: JavaScript truncates to 0.
    assert widths.hundredths("dba") == 100
    assert widths.pixels("dba") == 0


def test_text_width_picks_badge_makers_fonts() -> None:
    """11 px is Verdana, bold 11 px Helvetica, 10 px Verdana regular and bold."""
    assert text_width("m") == pytest.approx(10.7)
    assert text_width("m", bold=True) == pytest.approx(9.97)
    assert text_width("m", 10) == pytest.approx(9.73)
    assert text_width("m", 10, bold=True) == pytest.approx(10.58)
    assert text_width("m", 22) == pytest.approx(21.4)


def test_remembered_characters_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Characters found by bisection are remembered, up to a bound."""
    widths = WidthTable([0x4E00, 5, 1100])
    monkeypatch.setattr(_widths, "_REMEMBERED", 2)
    assert [widths.char(chr(code)) for code in range(0x4E00, 0x4E06)] == [1100] * 6
    assert len(widths.widths) == 2 + 33  # two remembered, plus the control characters


def test_utf16_length() -> None:
    """Letter spacing counts UTF-16 units, as JavaScript's ``length``."""
    assert utf16_length("abc") == 3
    assert utf16_length("é中") == 2
    assert utf16_length("😀") == 2


def test_table_is_small_and_names_its_source() -> None:
    """The packaged table stays small and says where it comes from."""
    path = Path(_widths.__file__).with_name("widths.json")
    assert path.stat().st_size < SIZE_LIMIT
    assert b'"source":"anafanafo 2.0.0 (MIT)"' in path.read_bytes()


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
