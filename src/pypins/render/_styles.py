"""The five badge styles, drawn exactly as badge-maker 6.0.0 draws them.

Each renderer follows ``badge-maker/lib/badge-renderers.js`` step by step: the same
widths (``pypins.render._widths``), paddings, logo and link placement, the same elements
and attributes in the same order, and numbers written as JavaScript writes them, so
that a badge is byte for byte badge-maker's except for its element ids. Those carry the
style and the width (``rf88``, ``sp91``...), so several badges inlined in one HTML page
never resolve each other's gradient or clip path.

Texts use shields.io's trick: coordinates and font size are multiplied by 10 inside a
``transform="scale(.1)"`` so that browsers place glyphs on a finer grid, and every text
carries its ``textLength`` so that box and text agree whatever font the viewer has.
Arithmetic stays in integers unless a logo width is fractional, and then follows
badge-maker's order of operations so that the floating-point results are its own.
"""

from __future__ import annotations

from typing import Final, Protocol

from pypins.render._colors import DEFAULT_LABEL_COLOR, Color, default_color
from pypins.render._logos import LOGO_HEIGHT, Logo
from pypins.render._text import (
    social_label,
    social_message,
    upper_label,
    upper_message,
    verdana_11,
)


class Renderer(Protocol):
    """A style: the SVG of ``label | message``.

    A ``label_color`` of None means none was given; ``links`` (left, right) are escaped
    http(s) URLs or empty.
    """

    def __call__(
        self,
        label: str,
        message: str,
        color: Color,
        label_color: Color | None,
        *,
        logo: Logo | None,
        links: tuple[str, str],
    ) -> str: ...


_GREY: Final = default_color(DEFAULT_LABEL_COLOR)
_OPEN: Final = '<svg xmlns="http://www.w3.org/2000/svg" width="'
_FONT: Final = 'font-family="Verdana,Geneva,DejaVu Sans,sans-serif"'
_TEXT_GROUP: Final = (
    f'<g fill="#fff" text-anchor="middle" {_FONT} text-rendering="geometricPrecision" '
    'font-size="110">'
)
_BLUR: Final = '"><feGaussianBlur stdDeviation="16"/></filter>'
_FLAT_STOPS: Final = (
    '" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
    '<stop offset="1" stop-opacity=".1"/></linearGradient>'
)
_PLASTIC_STOPS: Final = (
    '" x2="0" y2="100%"><stop offset="0" stop-color="#fff" stop-opacity=".7"/>'
    '<stop offset=".1" stop-color="#aaa" stop-opacity=".1"/>'
    '<stop offset=".9" stop-color="#000" stop-opacity=".3"/>'
    '<stop offset="1" stop-color="#000" stop-opacity=".5"/></linearGradient>'
)
_TRANSPARENT: Final = 'fill="rgba(0,0,0,0)"/>'


def _num(value: float) -> str:
    """``value`` as JavaScript's ``String(number)`` writes it (``12``, ``61.25``)."""
    if type(value) is int:
        return str(value)
    if value == int(value):
        return str(int(value))
    return repr(value)


def _document(width: float, height: int, accessible: str, links: tuple[str, str], body: str) -> str:
    """The ``<svg>`` around ``body``: accessible name, and the whole-badge link."""
    left, right = links
    if left and right:
        head = f'{_OPEN}{_num(width)}" height="{height}">'
    else:
        head = (
            f'{_OPEN}{_num(width)}" height="{height}" role="img" aria-label="{accessible}">'
            f"<title>{accessible}</title>"
        )
    if left and not right:
        body = f'<a target="_blank" href="{left}">{body}</a>'
    return f"{head}{body}</svg>"


def _image(logo: Logo | None, x: int, height: int) -> str:
    """The ``<image>`` of a logo, vertically centred, or nothing."""
    if logo is None:
        return ""
    y = _num(0.5 * (height - LOGO_HEIGHT))
    return (
        f'<image x="{x}" y="{y}" width="{_num(logo.width)}" height="{LOGO_HEIGHT}" '
        f'href="{logo.href}"/>'
    )


def _classic_text(
    content: str, x: str, length: float, background: Color, *, y: int, blur: str
) -> str:
    """A centred text of the flat, flat-square and plastic styles (``blur``: with shadow)."""
    fill = "" if background.text == "#fff" else f' fill="{background.text}"'
    if not blur:
        return (
            f'<text x="{x}" y="{y}" textLength="{length}" transform="scale(.1)"{fill}>'
            f"{content}</text>"
        )
    return (
        f'<g transform="scale(.1)"><g aria-hidden="true" fill="{background.shadow}">'
        f'<text x="{x}" y="{y + 10}" fill-opacity=".8" filter="url(#{blur})" '
        f'textLength="{length}">{content}</text>'
        f'<text x="{x}" y="{y + 10}" fill-opacity=".3" textLength="{length}">{content}</text>'
        f'</g><text x="{x}" y="{y}" textLength="{length}"{fill}>{content}</text></g>'
    )


def _text_x(margin: float, text_width: float) -> str:
    """badge-maker's ``10 * (margin + 0.5 * width + 5)``, the centre of a classic text."""
    if type(margin) is int:
        return str(10 * margin + 5 * text_width + 50)
    return _num(10 * (margin + 0.5 * text_width + 5))


def _link(link: str, width: float, x: float, height: int, element: str) -> str:
    """``element`` inside a link, over a transparent rectangle that catches clicks."""
    return (
        f'<a target="_blank" href="{link}"><rect width="{_num(width)}" x="{_num(x)}" '
        f'height="{height}" {_TRANSPARENT}{element}</a>'
    )


def _classic(
    label: str,
    message: str,
    color: Color,
    label_color: Color | None,
    *,
    logo: Logo | None,
    links: tuple[str, str],
    code: str,
) -> str:
    """Flat (``code`` "f"), flat-square ("q") and plastic ("p"): badge-maker's ``Badge``."""
    height = 18 if code == "p" else 20
    y = 130 if code == "p" else 140
    label_text, label_width = verdana_11(label)
    message_text, message_width = verdana_11(message)
    if logo is None:
        # The common case, in integers: no logo, so no logo width or padding.
        if label_text or label_color is not None:
            left = label_width + 10 if label_text else 10
            message_margin = left - 1 if message_text else left
            if label_color is None:
                label_color = _GREY
        else:
            left = 0
            message_margin = 0 if message_text else 1
            label_color = color
        total_logo: int | float = 0
        right: int | float = message_width + 10
    else:
        logo_width = logo.width
        total_logo = logo_width + 3 if label_text else logo_width
        has_label = bool(label_text) or label_color is not None
        if label_color is None:
            label_color = _GREY
        if not label_text:
            label_width = 0
        left = label_width + 10 + total_logo if has_label else 0
        message_margin = left - 1 if message_text else left
        right = message_width + 10
        if not has_label:
            message_margin = message_margin + total_logo + 5
            right += total_logo + 4 if message_text else total_logo
    width = left + right
    left_link, right_link = links
    w = str(width) if type(width) is int else _num(width)
    suffix = f"{code}{w}"
    blur = "" if code == "q" else f"b{suffix}"

    label_part = ""
    if label_text:
        label_part = _classic_text(
            label_text,
            _text_x(total_logo + 1, label_width),
            10 * label_width,
            label_color,
            y=y,
            blur=blur,
        )
        if left_link and right_link:
            rect_x = total_logo + 2 if total_logo + 1 > 1 else 0
            label_part = _link(left_link, left, rect_x, height, label_part)
    message_part = ""
    if message_text:
        message_part = _classic_text(
            message_text,
            _text_x(message_margin, message_width),
            10 * message_width,
            color,
            y=y,
            blur=blur,
        )
        if right_link:
            rect_x = message_margin + 1 if message_margin > 1 else 0
            message_part = _link(right_link, right, rect_x, height, message_part)

    if logo is None:
        left_text = str(left)
        right_text = str(right)
        image = ""
    else:
        left_text = _num(left)
        right_text = _num(right)
        image = _image(logo, 5, height)
    accessible = f"{label_text}: {message_text}" if label_text else message_text
    if code == "q":
        background = (
            f'<g shape-rendering="crispEdges"><rect width="{left_text}" height="20" '
            f'fill="{label_color.svg}"/><rect x="{left_text}" width="{right_text}" height="20" '
            f'fill="{color.svg}"/></g>'
        )
    elif not (left_link or right_link):
        # The common case as one f-string: no intermediate copies of the background.
        return (
            f'{_OPEN}{w}" height="{height}" role="img" aria-label="{accessible}">'
            f'<title>{accessible}</title><filter id="{blur}{_BLUR}<linearGradient id="s{suffix}'
            f'{_PLASTIC_STOPS if code == "p" else _FLAT_STOPS}<clipPath id="r{suffix}">'
            f'<rect width="{w}" height="{height}" rx="{4 if code == "p" else 3}"/></clipPath>'
            f'<g clip-path="url(#r{suffix})"><rect width="{left_text}" height="{height}" '
            f'fill="{label_color.svg}"/><rect x="{left_text}" width="{right_text}" '
            f'height="{height}" fill="{color.svg}"/><rect width="{w}" height="{height}" '
            f'fill="url(#s{suffix})"/></g>{_TEXT_GROUP}{image}{label_part}{message_part}</g></svg>'
        )
    else:
        background = (
            f'<filter id="{blur}{_BLUR}<linearGradient id="s{suffix}'
            f'{_PLASTIC_STOPS if code == "p" else _FLAT_STOPS}<clipPath id="r{suffix}">'
            f'<rect width="{w}" height="{height}" rx="{4 if code == "p" else 3}"/></clipPath>'
            f'<g clip-path="url(#r{suffix})"><rect width="{left_text}" height="{height}" '
            f'fill="{label_color.svg}"/><rect x="{left_text}" width="{right_text}" '
            f'height="{height}" fill="{color.svg}"/><rect width="{w}" height="{height}" '
            f'fill="url(#s{suffix})"/></g>'
        )
    if not (left_link or right_link):
        return (
            f'{_OPEN}{w}" height="{height}" role="img" aria-label="{accessible}">'
            f"<title>{accessible}</title>{background}{_TEXT_GROUP}{image}{label_part}"
            f"{message_part}</g></svg>"
        )
    body = f"{background}{_TEXT_GROUP}{image}{label_part}{message_part}</g>"
    return _document(width, height, accessible, links, body)


def flat(
    label: str,
    message: str,
    color: Color,
    label_color: Color | None,
    *,
    logo: Logo | None,
    links: tuple[str, str],
) -> str:
    """The ``flat`` style (shields.io's default): 20 px, rounded, gradient, shadows."""
    return _classic(label, message, color, label_color, logo=logo, links=links, code="f")


def flat_square(
    label: str,
    message: str,
    color: Color,
    label_color: Color | None,
    *,
    logo: Logo | None,
    links: tuple[str, str],
) -> str:
    """The ``flat-square`` style: 20 px, square corners, no gradient, no shadows."""
    return _classic(label, message, color, label_color, logo=logo, links=links, code="q")


def plastic(
    label: str,
    message: str,
    color: Color,
    label_color: Color | None,
    *,
    logo: Logo | None,
    links: tuple[str, str],
) -> str:
    """The ``plastic`` style: 18 px, rounded, glossy gradient, shadows."""
    return _classic(label, message, color, label_color, logo=logo, links=links, code="p")


def for_the_badge(
    label: str,
    message: str,
    color: Color,
    label_color: Color | None,
    *,
    logo: Logo | None,
    links: tuple[str, str],
) -> str:
    """The ``for-the-badge`` style: 28 px, upper case, letter-spaced, bold message."""
    label_text, label_width = upper_label(label)
    message_text, message_width = upper_message(message)
    left_link, right_link = links
    out_label_color = label_color or _GREY
    has_label = bool(label_text)
    needs_label_rect = has_label or (logo is not None and label_color is not None)
    gutter = 6 if has_label or message_text else -3
    logo_width = 0 if logo is None else logo.width
    label_min_x = 9 + logo_width + gutter if logo is not None else 12
    if needs_label_rect:
        left = label_min_x + label_width + 12 if has_label else 18 + logo_width
        message_min_x = left + 12
        right = 24 + message_width
    else:
        left = 0
        if logo is not None:
            message_min_x = 12 + logo_width + gutter
            right = 24 + logo_width + gutter + message_width
        else:
            message_min_x = 12
            right = 24 + message_width

    label_part = ""
    if has_label:
        fill = "" if out_label_color.text == "#fff" else f' fill="{out_label_color.text}"'
        label_part = (
            f'<text transform="scale(.1)" x="{_num(10 * (label_min_x + 0.5 * label_width))}" '
            f'y="175" textLength="{_num(10 * label_width)}"{fill}>{label_text}</text>'
        )
        if left_link and right_link:
            label_part = (
                f'<a target="_blank" href="{left_link}"><rect width="{_num(left)}" '
                f'height="28" {_TRANSPARENT}{label_part}</a>'
            )
    fill = "" if color.text == "#fff" else f' fill="{color.text}"'
    message_part = (
        f'<text transform="scale(.1)" x="{_num(10 * (message_min_x + 0.5 * message_width))}" '
        f'y="175" textLength="{_num(10 * message_width)}" font-weight="bold"{fill}>'
        f"{message_text}</text>"
    )
    if right_link:
        message_part = (
            f'<a target="_blank" href="{right_link}"><rect width="{_num(right)}" height="28" '
            f'x="{_num(left)}" {_TRANSPARENT}{message_part}</a>'
        )
    if needs_label_rect:
        boxes = (
            f'<rect width="{_num(left)}" height="28" fill="{out_label_color.svg}"/>'
            f'<rect x="{_num(left)}" width="{_num(right)}" height="28" fill="{color.svg}"/>'
        )
    else:
        boxes = f'<rect width="{_num(right)}" height="28" fill="{color.svg}"/>'
    accessible = f"{label_text}: {message_text}" if label_text else message_text
    return _document(
        left + right,
        28,
        accessible,
        links,
        f'<g shape-rendering="crispEdges">{boxes}</g><g fill="#fff" text-anchor="middle" '
        f'{_FONT} text-rendering="geometricPrecision" font-size="100">'
        f"{_image(logo, 9, 28)}{label_part}{message_part}</g>",
    )


def social(
    label: str,
    message: str,
    color: Color,
    label_color: Color | None,
    *,
    logo: Logo | None,
    links: tuple[str, str],
) -> str:
    """The ``social`` style (GitHub-like): light boxes, bold dark text, a count bubble.

    Colours are ignored, as by badge-maker. The label is capitalised; an empty one
    still has its (1 px) box, before the message's bubble.
    """
    label_text, label_width = social_label(label)
    message_text, message_width = social_message(message)
    left_link, right_link = links
    logo_width = 0 if logo is None else logo.width
    total_logo = logo_width + 3 if logo is not None and label_text else logo_width
    label_box = label_width + total_logo + 10
    message_box = message_width + 8
    width = label_box + 1 + (6 + message_box if message_text else 0)
    suffix = f"o{_num(width)}"

    bubble = message_part = ""
    if message_text:
        main_x = _num(label_box + 6 + 0.5)
        notch_x = _num(label_box + 6)
        bubble = (
            f'<rect x="{main_x}" y=".5" width="{_num(message_box)}" height="19" rx="2" '
            f'fill="#fafafa"/><rect x="{notch_x}" y="7.5" width=".5" height="5" '
            f'stroke="#fafafa"/><path d="M{main_x} 6.5 l-3 3v1 l3 3" fill="#fafafa"/>'
        )
        x = _num(10 * (label_box + 6 + message_box / 2))
        length = 10 * message_width
        message_part = (
            f'<text aria-hidden="true" x="{x}" y="150" fill="#fff" transform="scale(.1)" '
            f'textLength="{length}">{message_text}</text><text id="rlink{suffix}" x="{x}" '
            f'y="140" transform="scale(.1)" textLength="{length}">{message_text}</text>'
        )
        if right_link:
            message_part = (
                f'<a target="_blank" href="{right_link}"><rect width="{_num(message_box + 1)}" '
                f'x="{notch_x}" height="20" {_TRANSPARENT}{message_part}</a>'
            )
    x = _num(10 * (total_logo + label_width / 2 + 5))
    length = 10 * label_width
    rect = (
        f'<rect id="llink{suffix}" stroke="#d5d5d5" fill="url(#a{suffix})" x=".5" y=".5" '
        f'width="{_num(label_box)}" height="19" rx="2"/>'
    )
    texts = (
        f'<text aria-hidden="true" x="{x}" y="150" fill="#fff" transform="scale(.1)" '
        f'textLength="{length}">{label_text}</text><text x="{x}" y="140" '
        f'transform="scale(.1)" textLength="{length}">{label_text}</text>'
    )
    if left_link and right_link:
        label_part = f'<a target="_blank" href="{left_link}">{texts}{rect}</a>'
    else:
        label_part = f"{rect}{texts}"
    accessible = f"{label_text}: {message_text}" if label_text else message_text
    return _document(
        width,
        20,
        accessible,
        links,
        f"<style>a:hover #llink{suffix}{{fill:url(#b{suffix});stroke:#ccc}}"
        f"a:hover #rlink{suffix}{{fill:#4183c4}}</style>"
        f'<linearGradient id="a{suffix}" x2="0" y2="100%"><stop offset="0" '
        f'stop-color="#fcfcfc" stop-opacity="0"/><stop offset="1" stop-opacity=".1"/>'
        f'</linearGradient><linearGradient id="b{suffix}" x2="0" y2="100%"><stop offset="0" '
        f'stop-color="#ccc" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/>'
        f'</linearGradient><g stroke="#d5d5d5"><rect stroke="none" fill="#fcfcfc" x=".5" '
        f'y=".5" width="{_num(label_box)}" height="19" rx="2"/>{bubble}</g>'
        f'{_image(logo, 5, 20)}<g aria-hidden="{"false" if left_link and right_link else "true"}" '
        'fill="#333" text-anchor="middle" font-family="Helvetica Neue,Helvetica,Arial,'
        'sans-serif" text-rendering="geometricPrecision" font-weight="700" font-size="110px" '
        f'line-height="14px">{label_part}{message_part}</g>',
    )


#: Style name -> renderer.
RENDERERS: Final[dict[str, Renderer]] = {
    "flat": flat,
    "flat-square": flat_square,
    "plastic": plastic,
    "for-the-badge": for_the_badge,
    "social": social,
}
