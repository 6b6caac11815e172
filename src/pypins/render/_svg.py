"""``render_svg``: a static badge as an SVG document, with an optional logo and links."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final
from urllib.parse import urlsplit

from pypins.render._colors import DEFAULT_COLOR, default_color, resolve_color
from pypins.render._logos import resolve_logo
from pypins.render._styles import RENDERERS
from pypins.render._text import escape

#: The style names ``render_svg`` accepts, the default first.
STYLES: Final = ("flat", "flat-square", "plastic", "for-the-badge", "social")

#: Longest link kept, in characters.
MAX_LINK_LENGTH: Final = 2048

_DEFAULT: Final = default_color(DEFAULT_COLOR)
_NO_LINKS: Final = ("", "")
_BLANK_OR_CONTROL: Final = re.compile(r"[\x00-\x20\x7f-\x9f]")


def style_error(style: object) -> ValueError:
    """The error raised for a style not in ``STYLES``."""
    return ValueError(f"unknown badge style {style!r}; expected one of: {', '.join(STYLES)}")


def safe_link(link: str) -> str:
    """``link`` escaped for an ``href`` when it is an absolute http(s) URL, else ``""``."""
    if not link or len(link) > MAX_LINK_LENGTH or _BLANK_OR_CONTROL.search(link):
        return ""
    try:
        parts = urlsplit(link)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return escape(link)


def badge_links(links: Sequence[str]) -> tuple[str, str]:
    """The left and right links of a badge (the first two of ``links``), made safe."""
    if not links:
        return _NO_LINKS
    if isinstance(links, str):
        links = (links,)
    left = safe_link(links[0])
    right = safe_link(links[1]) if len(links) > 1 else ""
    return (left, right)


def render_svg(
    label: str,
    message: str,
    color: str | None = "blue",
    *,
    label_color: str | None = None,
    style: str = "flat",
    logo: str | None = None,
    logo_color: str | None = None,
    logo_size: str | None = None,
    logo_width: float | None = None,
    links: Sequence[str] = (),
) -> str:
    """A badge reading ``label | message`` as an SVG document, as shields.io draws it.

    An empty label gives a message-only badge. ``color`` and ``label_color`` accept
    what ``normalize_color`` accepts; an invalid ``color`` falls back to blue, an
    invalid ``label_color`` counts as none (grey). Texts are cleaned, cut to
    ``MAX_TEXT_LENGTH`` characters and escaped.

    ``logo``, ``logo_color``, ``logo_size`` and ``logo_width`` are shields.io's ``logo``,
    ``logoColor``, ``logoSize`` and ``logoWidth`` (see ``resolve_logo``); a logo that
    cannot be shown is left out. ``links`` are shields.io's ``link`` values: one link
    makes the whole badge a link, two link the label and the message; only absolute
    http(s) URLs are kept. Raises ``ValueError`` for a style not in ``STYLES``.
    """
    renderer = RENDERERS.get(style)
    if renderer is None:
        raise style_error(style)
    fill = resolve_color(color) or _DEFAULT
    label_fill = resolve_color(label_color) if label_color else None
    badge_logo = (
        resolve_logo(logo, color=logo_color, style=style, size=logo_size, width=logo_width)
        if logo
        else None
    )
    return renderer(label, message, fill, label_fill, logo=badge_logo, links=badge_links(links))
