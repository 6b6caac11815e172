"""``render_svg``: styles, geometry, colours and accessibility."""

from __future__ import annotations

import pytest

import pypins.render
from pypins.render import STYLES, render_svg
from pypins.render._styles import _num
from pypins.render._text import verdana_11
from tests.render.svgtools import SVG_NS, elements, parse_svg, visible_texts

HEIGHTS = {"flat": 20, "flat-square": 20, "plastic": 18, "for-the-badge": 28, "social": 20}
#: The accessible name of ``build | passing``: badge-maker's transformed texts.
NAMES = {"for-the-badge": "BUILD: PASSING", "social": "Build: passing"}


def test_public_names() -> None:
    """The package exports a sorted, deliberate ``__all__``."""
    assert pypins.render.__all__ == sorted(pypins.render.__all__)
    assert STYLES == ("flat", "flat-square", "plastic", "for-the-badge", "social")
    for name in pypins.render.__all__:
        assert hasattr(pypins.render, name)


@pytest.mark.parametrize("style", STYLES)
def test_every_style_is_a_valid_accessible_svg(style: str) -> None:
    """Each style gives an SVG with xmlns, size, role, aria-label and title."""
    svg = render_svg("build", "passing", "green", style=style)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" ')
    root = parse_svg(svg)
    assert root.get("height") == str(HEIGHTS[style])
    assert root.get("role") == "img"
    name = NAMES.get(style, "build: passing")
    assert root.get("aria-label") == name
    assert [title.text for title in elements(root, "title")] == [name]
    assert float(root.get("width") or 0) > 40


@pytest.mark.parametrize("style", ["", "Flat", "flat ", "square", "for_the_badge", "popout"])
def test_unknown_style_is_a_value_error(style: str) -> None:
    """An unknown style raises ``ValueError`` naming the valid ones."""
    with pytest.raises(ValueError, match="unknown badge style") as caught:
        render_svg("a", "b", style=style)
    assert "flat-square" in str(caught.value)


@pytest.mark.parametrize("style", STYLES)
def test_empty_label_gives_a_message_only_badge(style: str) -> None:
    """Without a label there is one text and the name is the message alone."""
    root = parse_svg(render_svg("", "passing", "green", style=style))
    assert root.get("aria-label") == ("PASSING" if style == "for-the-badge" else "passing")
    texts = [text.text for text in visible_texts(root) if text.text]
    assert texts in (["passing"], ["PASSING"])
    labelled = parse_svg(render_svg("build", "passing", "green", style=style))
    assert float(root.get("width") or 0) < float(labelled.get("width") or 0)


@pytest.mark.parametrize("style", ["flat", "flat-square", "plastic"])
def test_classic_geometry(style: str) -> None:
    """Boxes are the texts' odd widths plus 10 px; texts are centred with shields' offsets."""
    label_width = int(verdana_11("build")[1])
    message_width = int(verdana_11("passing")[1])
    assert label_width % 2 == message_width % 2 == 1
    root = parse_svg(render_svg("build", "passing", "#4b0", style=style))
    width = label_width + message_width + 20
    assert root.get("width") == str(width)
    rects = [rect for rect in elements(root, "rect") if rect.get("fill", "url").startswith("#")]
    boxes = [(r.get("x", "0"), r.get("width"), r.get("fill")) for r in rects]
    assert boxes == [
        ("0", str(label_width + 10), "#555"),
        (str(label_width + 10), str(message_width + 10), "#4b0"),
    ]
    label, message = visible_texts(root)
    assert label.get("x") == str(60 + 5 * label_width)
    assert label.get("textLength") == str(10 * label_width)
    assert message.get("x") == str(10 * (label_width + 14) + 5 * message_width)
    assert message.get("textLength") == str(10 * message_width)
    scaled = [g for g in elements(root, "g") if g.get("transform")] or [label, message]
    assert {element.get("transform") for element in scaled} == {"scale(.1)"}


@pytest.mark.parametrize(
    ("style", "shadows", "gradient", "clip"),
    [
        ("flat", 2, True, True),
        ("plastic", 2, True, True),
        ("flat-square", 0, False, False),
        ("for-the-badge", 0, False, False),
    ],
)
def test_shadows_gradients_and_clips(style: str, shadows: int, gradient: bool, clip: bool) -> None:
    """Flat and plastic have blurred shadows, a gradient and a rounded clip; others none."""
    root = parse_svg(render_svg("build", "passing", style=style))
    groups = [g for g in elements(root, "g") if g.get("aria-hidden") == "true"]
    assert len(groups) == shadows
    for group in groups:
        assert group.get("fill") == "#010101"
        blurred, plain = elements(group, "text")
        assert (blurred.get("fill-opacity"), plain.get("fill-opacity")) == (".8", ".3")
        (blur,) = elements(root, "filter")
        assert blurred.get("filter") == f"url(#{blur.get('id')})"
    assert bool(elements(root, "linearGradient")) is gradient
    assert bool(elements(root, "clipPath")) is clip


def test_rounded_corners() -> None:
    """Flat clips at a 3 px radius, plastic at 4 px."""
    for style, radius in [("flat", "3"), ("plastic", "4")]:
        root = parse_svg(render_svg("a", "b", style=style))
        (clip,) = elements(root, "clipPath")
        assert clip[0].get("rx") == radius
        group = next(g for g in elements(root, "g") if g.get("clip-path"))
        assert group.get("clip-path") == f"url(#{clip.get('id')})"


def test_ids_differ_between_widths_and_styles() -> None:
    """Inlined badges of different widths or styles never share a clip path id."""
    ids = {
        elements(parse_svg(render_svg(label, "b", style=style)), "clipPath")[0].get("id")
        for label in ("a", "a longer label")
        for style in ("flat", "plastic")
    }
    assert len(ids) == 4


def test_for_the_badge() -> None:
    """Upper case, 10 px font, bold message, 28 px high, letter spacing in the widths."""
    root = parse_svg(render_svg("pypi", "v1.2.3", style="for-the-badge"))
    group = next(g for g in elements(root, "g") if g.get("font-size"))
    assert group.get("font-size") == "100"
    label, message = visible_texts(root)
    assert (label.text, message.text) == ("PYPI", "V1.2.3")
    assert label.get("font-weight") is None
    assert message.get("font-weight") == "bold"
    assert label.get("y") == message.get("y") == "175"
    assert root.get("aria-label") == "PYPI: V1.2.3"
    label_length = float(label.get("textLength") or 0) / 10
    assert label_length == pytest.approx(int(label_length - 4 * 1.25) + 4 * 1.25)
    rects = elements(root, "rect")
    assert float(rects[0].get("width") or 0) == pytest.approx(label_length + 24)


def test_for_the_badge_upper_cases_before_measuring() -> None:
    """Upper-casing can lengthen a text (ß -> SS) and is measured after."""
    root = parse_svg(render_svg("", "straße", style="for-the-badge"))
    assert visible_texts(root)[0].text == "STRASSE"


def test_social() -> None:
    """Social: capitalised bold label, a bubble for the message, colours ignored."""
    svg = render_svg("stars", "1.2k", "red", label_color="blue", style="social")
    root = parse_svg(svg)
    assert "#dd4343" not in svg
    assert "#007ec6" not in svg
    label, message = visible_texts(root)
    assert (label.text, message.text) == ("Stars", "1.2k")
    group = next(g for g in elements(root, "g") if g.get("font-weight"))
    assert group.get("font-weight") == "700"
    assert group.get("aria-hidden") == "true"
    assert len(elements(root, "path")) == 1
    assert root.get("aria-label") == "Stars: 1.2k"


def test_social_without_message_has_no_bubble() -> None:
    """A social badge with an empty message is the label box alone."""
    root = parse_svg(render_svg("follow", "", style="social"))
    assert not elements(root, "path")
    assert [t.text for t in visible_texts(root)] == ["Follow"]


def test_social_without_label_keeps_an_empty_label_box() -> None:
    """As badge-maker: an 11 px label box (a 1 px text), then the message's bubble."""
    root = parse_svg(render_svg("", "follow", style="social"))
    assert elements(root, "rect")[0].get("width") == "11"
    assert len(elements(root, "path")) == 1
    assert root.get("aria-label") == "follow"


@pytest.mark.parametrize("style", STYLES)
def test_empty_message(style: str) -> None:
    """An empty message renders without its text and stays valid."""
    root = parse_svg(render_svg("label", "", style=style))
    assert root.get("aria-label") in ("label: ", "LABEL: ", "Label: ")


@pytest.mark.parametrize(
    ("color", "label_color", "fills"),
    [
        ("success", None, ["#555", "#4b0"]),
        ("ff0000", "abc", ["#abc", "#ff0000"]),
        ("rgb(1,2,3)", "teal", ["teal", "rgb(1,2,3)"]),
        (None, None, ["#555", "#007ec6"]),
        ("bogus", "bogus", ["#555", "#007ec6"]),
        ("red", "black", ["black", "#dd4343"]),
    ],
)
def test_colours_reach_the_boxes(
    color: str | None, label_color: str | None, fills: list[str]
) -> None:
    """Box fills are the normalised colours, or the defaults."""
    root = parse_svg(render_svg("a", "b", color, label_color=label_color, style="flat-square"))
    assert [rect.get("fill") for rect in elements(root, "rect")] == fills


def test_light_backgrounds_get_dark_text() -> None:
    """Texts on light colours are #333 with #ccc shadows; white text is left implicit."""
    root = parse_svg(render_svg("a", "b", "white", label_color="ivory"))
    shadows = [g for g in elements(root, "g") if g.get("aria-hidden") == "true"]
    assert {g.get("fill") for g in shadows} == {"#ccc"}
    assert {t.get("fill") for t in visible_texts(root)} == {"#333"}
    dark = parse_svg(render_svg("a", "b", "black"))
    assert {t.get("fill") for t in visible_texts(dark)} == {None}


def test_label_colour_without_label_draws_a_label_box() -> None:
    """As badge-maker: a label colour alone gives a 10 px label box."""
    root = parse_svg(render_svg("", "stable", "blue", label_color="red", style="flat-square"))
    first = elements(root, "rect")[0]
    assert (first.get("width"), first.get("fill")) == ("10", "#dd4343")


def test_font_family_matches_shields() -> None:
    """Texts ask for Verdana first, as badge-maker writes it."""
    root = parse_svg(render_svg("a", "b"))
    families = {g.get("font-family") for g in root.iter(f"{SVG_NS}g") if g.get("font-family")}
    assert families == {"Verdana,Geneva,DejaVu Sans,sans-serif"}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.0, "3"),
        (12, "12"),
        (12.5, "12.5"),
        (12.25, "12.25"),
        (0.75, "0.75"),
        (0.1 + 0.2, "0.30000000000000004"),
    ],
)
def test_number_format(value: float, text: str) -> None:
    """Numbers are written as JavaScript writes them (shortest round trip, no ``.0``)."""
    assert _num(value) == text


def test_renders_are_deterministic() -> None:
    """The same arguments always give the same document, cached or not."""
    first = render_svg("build", "passing", "green")
    assert render_svg("build", "passing", "green") == first
