"""The five badge styles, drawn with shields.io's geometry from precomputed fragments.

Each renderer takes the raw label and message and two parsed colours and returns the
SVG document as one f-string. The texts use shields.io's trick: coordinates and font
size are multiplied by 10 inside a ``transform="scale(.1)"`` so that browsers place
glyphs on a finer grid, and every text carries its computed ``textLength`` so that
the box and the text agree whatever font the viewer's browser picks.

Element ids are specific to the style and the badge width, so several badges inlined in
one HTML page never resolve each other's gradient or clip path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from pypins.render._colors import Color
from pypins.render._text import (
    accessible,
    regular_11,
    social_label,
    social_message,
    upper_label,
    upper_message,
)

#: A style renderer: ``(label, message, color, label_color) -> SVG``.
Renderer = Callable[[str, str, Color, Color], str]

_OPEN: Final = '<svg xmlns="http://www.w3.org/2000/svg" width="'
_FONT: Final = 'font-family="Verdana,Geneva,DejaVu Sans,sans-serif"'
_SOCIAL_FONT: Final = 'font-family="Helvetica Neue,Helvetica,Arial,DejaVu Sans,sans-serif"'
_TEXT_GROUP: Final = (
    f'<g fill="#fff" text-anchor="middle" {_FONT} text-rendering="geometricPrecision" '
    'font-size="110">'
)
_FLAT_GRADIENT: Final = (
    '<linearGradient id="fs" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
    'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
)
_PLASTIC_GRADIENT: Final = (
    '<linearGradient id="ps" x2="0" y2="100%">'
    '<stop offset="0" stop-color="#fff" stop-opacity=".7"/>'
    '<stop offset=".1" stop-color="#aaa" stop-opacity=".1"/>'
    '<stop offset=".9" stop-color="#000" stop-opacity=".3"/>'
    '<stop offset="1" stop-color="#000" stop-opacity=".5"/></linearGradient>'
)
_SOCIAL_DEFS: Final = (
    '<linearGradient id="ss" x2="0" y2="100%"><stop offset="0" stop-color="#fcfcfc" '
    'stop-opacity="0"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
)
_SOCIAL_TEXT_GROUP: Final = (
    f'<g aria-hidden="true" fill="#333" text-anchor="middle" {_SOCIAL_FONT} '
    'text-rendering="geometricPrecision" font-weight="700" font-size="110">'
)


def _num(value: float) -> str:
    """``value`` as a short SVG number: no trailing zeros, at most two decimals."""
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}".rstrip("0")


def _head(width: object, height: int, label: str, message: str) -> str:
    """The opening ``<svg>`` tag with its accessible name, and the ``<title>``."""
    name = f"{label}: {message}" if label else message
    return f'{_OPEN}{width}" height="{height}" role="img" aria-label="{name}"><title>{name}</title>'


def _texts(text: str, x: int, width: int, y: int, color: Color, *, shadow: bool) -> str:
    """A centred text (and its shadow) of the flat, flat-square and plastic styles."""
    if not text:
        return ""
    main = (
        f'<text x="{x}" y="{y}" transform="scale(.1)" fill="{color.text}" '
        f'textLength="{width}">{text}</text>'
    )
    if not shadow:
        return main
    return (
        f'<text aria-hidden="true" x="{x}" y="{y + 10}" fill="{color.shadow}" '
        f'fill-opacity=".3" transform="scale(.1)" textLength="{width}">{text}</text>{main}'
    )


def _classic(
    label: str,
    message: str,
    color: Color,
    label_color: Color,
    *,
    height: int,
    text_y: int,
    shadow: bool,
    background: Callable[[int, int, int, str, str], str],
) -> str:
    """Flat, flat-square and plastic: two boxes, texts 5 px from their edges."""
    label_text, label_width = regular_11(label)
    message_text, message_width = regular_11(message)
    label_w = int(label_width)
    message_w = int(message_width)
    right = message_w + 10
    if label_text:
        left = label_w + 10
        label_part = _texts(
            label_text, 60 + 5 * label_w, 10 * label_w, text_y, label_color, shadow=shadow
        )
        message_x = 10 * (left + 4) + 5 * message_w
    else:
        left = 0
        label_part = ""
        message_x = 50 + 5 * message_w
    width = left + right
    message_part = _texts(message_text, message_x, 10 * message_w, text_y, color, shadow=shadow)
    return (
        f"{_head(width, height, label_text, message_text)}"
        f"{background(width, left, right, label_color.svg, color.svg)}"
        f"{_TEXT_GROUP}{label_part}{message_part}</g></svg>"
    )


def _boxes(height: int, left: int, right: int, label_fill: str, fill: str) -> str:
    """The label and message rectangles."""
    if not left:
        return f'<rect width="{right}" height="{height}" fill="{fill}"/>'
    return (
        f'<rect width="{left}" height="{height}" fill="{label_fill}"/>'
        f'<rect x="{left}" width="{right}" height="{height}" fill="{fill}"/>'
    )


def _flat_background(width: int, left: int, right: int, label_fill: str, fill: str) -> str:
    """Flat: the boxes under a light gradient, clipped to a 3 px radius."""
    return (
        f'{_FLAT_GRADIENT}<clipPath id="fr{width}"><rect width="{width}" height="20" rx="3" '
        f'fill="#fff"/></clipPath><g clip-path="url(#fr{width})">'
        f"{_boxes(20, left, right, label_fill, fill)}"
        f'<rect width="{width}" height="20" fill="url(#fs)"/></g>'
    )


def _plastic_background(width: int, left: int, right: int, label_fill: str, fill: str) -> str:
    """Plastic: the boxes under a glossy gradient, clipped to a 4 px radius."""
    return (
        f'{_PLASTIC_GRADIENT}<clipPath id="pr{width}"><rect width="{width}" height="18" '
        f'rx="4" fill="#fff"/></clipPath><g clip-path="url(#pr{width})">'
        f"{_boxes(18, left, right, label_fill, fill)}"
        f'<rect width="{width}" height="18" fill="url(#ps)"/></g>'
    )


def _square_background(width: int, left: int, right: int, label_fill: str, fill: str) -> str:
    """Flat-square: the bare boxes with crisp edges."""
    return f'<g shape-rendering="crispEdges">{_boxes(20, left, right, label_fill, fill)}</g>'


def flat(label: str, message: str, color: Color, label_color: Color) -> str:
    """The ``flat`` style (shields.io's default): 20 px, rounded, gradient, shadows."""
    return _classic(
        label,
        message,
        color,
        label_color,
        height=20,
        text_y=140,
        shadow=True,
        background=_flat_background,
    )


def flat_square(label: str, message: str, color: Color, label_color: Color) -> str:
    """The ``flat-square`` style: 20 px, square corners, no gradient, no shadows."""
    return _classic(
        label,
        message,
        color,
        label_color,
        height=20,
        text_y=140,
        shadow=False,
        background=_square_background,
    )


def plastic(label: str, message: str, color: Color, label_color: Color) -> str:
    """The ``plastic`` style: 18 px, rounded, glossy gradient, shadows."""
    return _classic(
        label,
        message,
        color,
        label_color,
        height=18,
        text_y=130,
        shadow=True,
        background=_plastic_background,
    )


def for_the_badge(label: str, message: str, color: Color, label_color: Color) -> str:
    """The ``for-the-badge`` style: 28 px, upper case, letter-spaced, bold message."""
    label_text, label_width = upper_label(label)
    message_text, message_width = upper_message(message)
    right = message_width + 24
    if label_text:
        left = label_width + 24
        label_part = (
            f'<text transform="scale(.1)" x="{_num(10 * (12 + label_width / 2))}" y="175" '
            f'textLength="{_num(10 * label_width)}" fill="{label_color.text}">'
            f"{label_text}</text>"
        )
        boxes = (
            f'<rect width="{_num(left)}" height="28" fill="{label_color.svg}"/>'
            f'<rect x="{_num(left)}" width="{_num(right)}" height="28" fill="{color.svg}"/>'
        )
    else:
        left = 0
        label_part = ""
        boxes = f'<rect width="{_num(right)}" height="28" fill="{color.svg}"/>'
    message_part = (
        (
            f'<text transform="scale(.1)" x="{_num(10 * (left + 12 + message_width / 2))}" '
            f'y="175" textLength="{_num(10 * message_width)}" fill="{color.text}" '
            f'font-weight="bold">{message_text}</text>'
        )
        if message_text
        else ""
    )
    return (
        f"{_head(_num(left + right), 28, accessible(label), accessible(message))}"
        f'<g shape-rendering="crispEdges">{boxes}</g>'
        f'<g fill="#fff" text-anchor="middle" {_FONT} text-rendering="geometricPrecision" '
        f'font-size="100">{label_part}{message_part}</g></svg>'
    )


def social(label: str, message: str, color: Color, label_color: Color) -> str:
    """The ``social`` style (GitHub-like): light boxes, bold dark text, a count bubble.

    Colours are ignored, as on shields.io. Without a label the message takes the
    label's box and there is no bubble. The accessible name keeps the label as given.
    """
    label_text, label_width = social_label(label)
    message_text, message_width = social_message(message)
    if not label_text:
        label_text, label_width = message_text, message_width
        message_text, message_width = "", 0
        name = ("", label_text)
    else:
        name = (accessible(label), message_text)
    label_w = int(label_width)
    box = label_w + 10
    width = box + 1
    bubble = message_part = label_part = ""
    if message_text:
        message_w = int(message_width)
        bubble_box = message_w + 8
        width += 6 + bubble_box
        x = box + 6
        bubble = (
            f'<rect x="{x}.5" y="0.5" width="{bubble_box}" height="19" rx="2" fill="#fafafa"/>'
            f'<rect x="{x}" y="7.5" width="0.5" height="5" stroke="#fafafa"/>'
            f'<path d="M{x}.5 6.5 l-3 3v1 l3 3" stroke="#d5d5d5" fill="#fafafa"/>'
        )
        message_part = _social_texts(message_text, 10 * x + 5 * bubble_box, 10 * message_w)
    if label_text:
        label_part = _social_texts(label_text, 50 + 5 * label_w, 10 * label_w)
    return (
        f'{_head(width, 20, *name)}{_SOCIAL_DEFS}<g stroke="#d5d5d5">'
        f'<rect stroke="none" fill="#fcfcfc" x="0.5" y="0.5" width="{box}" height="19" rx="2"/>'
        f"{bubble}</g>{_SOCIAL_TEXT_GROUP}"
        f'<rect stroke="#d5d5d5" fill="url(#ss)" x="0.5" y="0.5" width="{box}" height="19" '
        f'rx="2"/>{label_part}{message_part}</g></svg>'
    )


def _social_texts(text: str, x: int, length: int) -> str:
    """A centred social text and its white embossing shadow."""
    return (
        f'<text aria-hidden="true" x="{x}" y="150" fill="#fff" transform="scale(.1)" '
        f'textLength="{length}">{text}</text>'
        f'<text x="{x}" y="140" transform="scale(.1)" textLength="{length}">{text}</text>'
    )


#: Style name -> renderer.
RENDERERS: Final[dict[str, Renderer]] = {
    "flat": flat,
    "flat-square": flat_square,
    "plastic": plastic,
    "for-the-badge": for_the_badge,
    "social": social,
}
