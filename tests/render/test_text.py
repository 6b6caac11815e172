"""Texts are cleaned, cut, escaped and never break out of the SVG."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pypins.render import MAX_TEXT_LENGTH, STYLES, _text, render_json, render_svg
from pypins.render._text import clean, escape, verdana_11
from tests.render.svgtools import elements, parse_svg, visible_texts

AWKWARD = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "' onload='alert(1)",
    "a & b",
    "&amp; &lt; &#0; &#x1F600;",
    "]]>",
    "<![CDATA[x]]>",
    "<!-- comment -->",
    "<?xml version='1.0'?>",
    "a\x00b",
    "bell\x07 esc\x1b del\x7f c1\x85\x9f",
    "tab\there\nnew\rline",
    "\ufffe\uffff nonchars",
    "lone \ud800 surrogate \udfff",
    "pair \ud83d\ude00 surrogates",
    "עברית RTL",
    "العربية",
    "\u202eoverride\u202c",
    "emoji 😀🚀👍🏽 👨‍👩‍👧",
    "e\u0301 combining",
    "中文 日本語 한국어",
    "x" * 10_000,
    "<" * 10_000,
    "   padded   ",
    "",
]


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("passing", "passing"),
        ("  spaced  ", "spaced"),
        ("a\x00b", "ab"),
        ("a\tb\nc\rd", "a b c d"),
        ("\x07\x1b\x7f\x85\x9f", ""),
        ("x\ufffey\uffffz", "xyz"),
        ("lone \ud800", "lone \ufffd"),
        ("\udfff tail", "\ufffd tail"),
        ("pair \ud83d\ude00", "pair \U0001f600"),
        ("nbsp\xa0inside", "nbsp\xa0inside"),
        ("rtl \u202eabc", "rtl \u202eabc"),
    ],
)
def test_clean(raw: str, cleaned: str) -> None:
    """Control characters go, line breaks become spaces, surrogates are repaired."""
    assert clean(raw) == cleaned


def test_long_texts_are_cut_with_an_ellipsis() -> None:
    """A text over the limit keeps ``MAX_TEXT_LENGTH - 1`` characters and an ellipsis."""
    cut = clean("y" * 10_000)
    assert len(cut) == MAX_TEXT_LENGTH
    assert cut.endswith("…")
    assert clean("z" * MAX_TEXT_LENGTH) == "z" * MAX_TEXT_LENGTH


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a&b", "a&amp;b"),
        ("<b>", "&lt;b&gt;"),
        ("\"'", "&quot;&apos;"),
        ("&lt;", "&amp;lt;"),
        ("plain", "plain"),
    ],
)
def test_escape(raw: str, escaped: str) -> None:
    """The five XML special characters become entities."""
    assert escape(raw) == escaped


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
def test_awkward_texts_stay_inside_their_elements(style: str, text: str) -> None:
    """Every awkward text parses back, as the text of its elements, in every style."""
    root = parse_svg(render_svg(text, text, style=style))
    assert not elements(root, "script")
    expected = clean(text)
    for element in visible_texts(root):
        assert (element.text or "") in (
            expected,
            expected.upper(),
            expected[:1].upper() + expected[1:],
            clean(expected.upper()),
        )
        assert list(element) == []
    title = elements(root, "title")[0].text or ""
    assert title in {
        f"{label}: {message}" if label else message
        for label, message in [
            (expected, expected),
            (clean(expected.upper()), clean(expected.upper())),
            (expected[:1].upper() + expected[1:], expected),
        ]
    }
    assert root.get("aria-label") == title


@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
def test_awkward_texts_in_json(text: str) -> None:
    """The JSON document is valid UTF-8 and carries the cleaned texts."""
    document = json.loads(render_json(text, text).encode("utf-8"))
    assert document["label"] == document["message"] == clean(text)


@settings(max_examples=200)
@given(
    label=st.text(st.characters(codec=None, exclude_categories=()), max_size=300),
    message=st.text(st.characters(codec=None, exclude_categories=()), max_size=300),
    style=st.sampled_from(STYLES),
    color=st.text(max_size=20),
)
def test_random_texts_always_give_valid_svg(
    label: str, message: str, style: str, color: str
) -> None:
    """Random texts (surrogates and controls included) always render to valid XML."""
    root = parse_svg(render_svg(label, message, color, label_color=color, style=style))
    assert float(root.get("width") or 0) > 0
    for element in visible_texts(root):
        assert len(element.text or "") <= 2 * MAX_TEXT_LENGTH


def test_text_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A text cache is emptied when full and never keeps very long keys."""
    monkeypatch.setattr(_text, "_CACHE_SIZE", 2)
    for text in ["a", "b", "c"]:
        verdana_11(text)
    verdana_11("q" * 10_000)
    sizes = [len(cache) for cache in _text._caches]
    assert max(sizes) == 1


def test_cached_answer_is_reused() -> None:
    """The second measurement of a text comes from the cache."""
    first = verdana_11("cached")
    assert verdana_11("cached") is first
