"""``render_json``: shields.io's endpoint schema."""

from __future__ import annotations

import json

import pytest

from pypins.render import STYLES, render_json


def test_minimal_document() -> None:
    """Label, message and colour, with ``schemaVersion`` 1, compact."""
    text = render_json("build", "passing")
    assert text == '{"schemaVersion":1,"label":"build","message":"passing","color":"blue"}'


@pytest.mark.parametrize(
    ("color", "expected"),
    [
        ("success", "brightgreen"),
        ("brightgreen", "brightgreen"),
        ("ABC", "#abc"),
        ("#AbCdEf", "#abcdef"),
        ("rgb(1, 2, 3)", "rgb(1, 2, 3)"),
        ("teal", "teal"),
        ("bogus", "blue"),
        (None, "blue"),
    ],
)
def test_colours_in_shields_form(color: str | None, expected: str) -> None:
    """Colours are written in shields.io's normal form; invalid ones become blue."""
    assert json.loads(render_json("a", "b", color))["color"] == expected


def test_label_colour_and_style_only_when_set() -> None:
    """``labelColor`` and ``style`` appear only when given (and valid)."""
    document = json.loads(render_json("a", "b", "red", label_color="gray", style="social"))
    assert document == {
        "schemaVersion": 1,
        "label": "a",
        "message": "b",
        "color": "red",
        "labelColor": "grey",
        "style": "social",
    }
    assert "labelColor" not in json.loads(render_json("a", "b", label_color="nope"))
    assert "style" not in json.loads(render_json("a", "b"))


@pytest.mark.parametrize("style", STYLES)
def test_every_style_is_accepted(style: str) -> None:
    """Each style name can be carried."""
    assert json.loads(render_json("a", "b", style=style))["style"] == style


def test_unknown_style_is_a_value_error() -> None:
    """An unknown style raises ``ValueError`` as in the SVG renderer."""
    with pytest.raises(ValueError, match="unknown badge style"):
        render_json("a", "b", style="fancy")


def test_texts_are_cleaned_and_unicode_kept() -> None:
    """Texts are stripped of control characters and keep non-ASCII characters."""
    text = render_json(" é\x00 ", "日本\ud800")
    assert json.loads(text)["label"] == "é"
    assert json.loads(text)["message"] == "日本\ufffd"
    assert "é" in text
