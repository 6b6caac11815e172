"""Colour parsing: shields.io names and aliases, hex, CSS functions and names."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pypins.render import _colors, normalize_color, render_svg
from pypins.render._colors import ALIASES, SHIELDS_COLORS, parse_color, resolve_color
from pypins.render._css_colors import CSS_COLORS

SAFE = re.compile(r"[#a-z0-9(),.% /-]+")


@pytest.mark.parametrize(
    ("value", "svg"),
    [
        ("brightgreen", "#4b0"),
        ("green", "#67ac09"),
        ("yellowgreen", "#95991a"),
        ("yellow", "#d8b800"),
        ("orange", "#ea7233"),
        ("red", "#dd4343"),
        ("blue", "#007ec6"),
        ("lightgrey", "#939393"),
        ("grey", "#555"),
        ("gray", "#555"),
        ("lightgray", "#939393"),
        ("success", "#4b0"),
        ("important", "#ea7233"),
        ("critical", "#dd4343"),
        ("informational", "#007ec6"),
        ("inactive", "#939393"),
        (" Success ", "#4b0"),
        ("BLUE", "#007ec6"),
    ],
)
def test_shields_names_and_aliases(value: str, svg: str) -> None:
    """shields.io's names and aliases map to badge-maker 6.0.0's hex values."""
    assert normalize_color(value) == svg


@pytest.mark.parametrize(
    ("value", "svg"),
    [
        ("abc", "#abc"),
        ("ABC", "#abc"),
        ("4c1", "#4c1"),
        ("aabbcc", "#aabbcc"),
        ("#abc", "#abc"),
        ("#AbC", "#abc"),
        ("#abcd", "#abcd"),
        ("#aabbcc", "#aabbcc"),
        ("#aabbccdd", "#aabbccdd"),
    ],
)
def test_hex(value: str, svg: str) -> None:
    """Hex colours: 3 or 6 digits bare, 3, 4, 6 or 8 digits with ``#``; lower-cased."""
    assert normalize_color(value) == svg


@pytest.mark.parametrize(
    "value",
    [
        "rgb(0,0,0)",
        "rgb(255, 255, 255)",
        "rgba(1,2,3,0.5)",
        "rgba(1, 2, 3, .5)",
        "rgb(10%, 20%, 30%)",
        "rgb(10 20 30)",
        "rgb(10 20 30 / 50%)",
        "rgba(255,0,0,1)",
        "hsl(120,50%,50%)",
        "hsl(120deg, 50%, 50%)",
        "hsla(-30, 100%, 25%, 0.3)",
        "hsl(200 50% 40%)",
        "hsl(200 50% 40% / .4)",
    ],
)
def test_css_functions(value: str) -> None:
    """Valid ``rgb()``/``rgba()``/``hsl()``/``hsla()`` colours are kept, lower-cased."""
    assert normalize_color(value) == value
    assert normalize_color(value.upper()) == value


@pytest.mark.parametrize("name", sorted(CSS_COLORS))
def test_css_names(name: str) -> None:
    """Every CSS named colour is accepted; shields.io's names take precedence."""
    expected = SHIELDS_COLORS.get(ALIASES.get(name, name), name)
    assert normalize_color(name) == expected


def test_css_color_table_is_complete() -> None:
    """The CSS table has the 148 named colours of CSS Color 4."""
    assert len(CSS_COLORS) == 148
    assert CSS_COLORS["rebeccapurple"] == "#663399"
    assert all(re.fullmatch(r"#[0-9a-f]{6}", value) for value in CSS_COLORS.values())


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        " ",
        "notacolor",
        "ab",
        "abcd",  # 4 digits need a "#", as on shields.io
        "abcde",
        "#ab",
        "#abcde",
        "#abcdefg",
        "#ggg",
        "rgb(256,0,0)",
        "rgb(0,0,0,0,0)",
        "rgb(1,2)",
        "rgb(101%,0%,0%)",
        "rgba(1,2,3,1.5)",
        "rgba(1,2,3,101%)",
        "hsl(120,101%,50%)",
        "hsl(120,50%,150%)",
        "hsl(120,50,50)",
        "hsla(1,2%,3%,2)",
        "rgb(1,2,3",
        "rgb(1,2,3))",
        "rgb(1,\n2,3)",
        "red;",
        'red"',
        "red' onload='x",
        "url(#s)",
        "url(javascript:alert(1))",
        "var(--x)",
        "currentcolor",
        "transparent",
        "#abc<script>",
        "<script>alert(1)</script>",
        "\x00red",
        "rgb(" + "1," * 100 + "1)",
    ],
)
def test_invalid_colors(value: str | None) -> None:
    """Anything else is refused."""
    assert normalize_color(value) is None


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("success", "brightgreen"),
        ("gray", "grey"),
        ("ABC", "#abc"),
        ("#ABCDEF", "#abcdef"),
        ("Teal", "teal"),
        ("RGB(1,2,3)", "rgb(1,2,3)"),
    ],
)
def test_canonical_names(value: str, name: str) -> None:
    """The canonical form is shields.io's ``normalizeColor``: used in JSON badges."""
    color = parse_color(value)
    assert color is not None
    assert color.name == name


@pytest.mark.parametrize(
    ("value", "text", "shadow"),
    [
        ("blue", "#fff", "#010101"),
        ("brightgreen", "#fff", "#010101"),
        ("grey", "#fff", "#010101"),
        ("yellow", "#fff", "#010101"),
        ("lightgrey", "#fff", "#010101"),
        ("white", "#333", "#ccc"),
        ("#fff", "#333", "#ccc"),
        ("#eeeeee80", "#333", "#ccc"),
        ("ivory", "#333", "#ccc"),
        ("rgb(255,255,0)", "#333", "#ccc"),
        ("rgb(100%,100%,100%)", "#333", "#ccc"),
        ("hsl(0,0%,100%)", "#333", "#ccc"),
        ("hsl(0,0%,10%)", "#fff", "#010101"),
        ("black", "#fff", "#010101"),
    ],
)
def test_text_colour_follows_brightness(value: str, text: str, shadow: str) -> None:
    """Dark text on light backgrounds, white text on dark ones (threshold 0.69)."""
    color = parse_color(value)
    assert color is not None
    assert (color.text, color.shadow) == (text, shadow)


def test_invalid_colour_falls_back_to_default() -> None:
    """An invalid colour is never written: the default blue is used instead."""
    svg = render_svg("a", "b", 'red" onload="alert(1)', label_color="nope")
    assert 'fill="#007ec6"' in svg
    assert 'fill="#555"' in svg
    assert "onload" not in svg
    assert "nope" not in svg


def test_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The colour cache is emptied when full and skips long keys."""
    monkeypatch.setattr(_colors, "_CACHE_SIZE", 3)
    for value in ["red", "blue", "green", "teal"]:
        resolve_color(value)
    assert len(_colors._cache) == 1
    resolve_color("x" * 100)
    assert "x" * 100 not in _colors._cache


@given(st.text(max_size=40))
def test_random_strings_are_refused_or_safe(value: str) -> None:
    """Whatever the input, the answer is None or a value made of safe characters."""
    svg = normalize_color(value)
    assert svg is None or SAFE.fullmatch(svg)


@given(
    st.builds(
        "rgb({},{},{})".format,
        st.integers(0, 255),
        st.integers(0, 255),
        st.integers(0, 255),
    )
)
def test_random_rgb_colours_are_accepted(value: str) -> None:
    """Every in-range ``rgb()`` colour is accepted as is."""
    assert normalize_color(value) == value
