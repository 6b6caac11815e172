"""``render_svg``: a static badge as an SVG document."""

from __future__ import annotations

from typing import Final

from pypins.render._colors import (
    DEFAULT_COLOR,
    DEFAULT_LABEL_COLOR,
    default_color,
    resolve_color,
)
from pypins.render._styles import RENDERERS

#: The style names ``render_svg`` accepts, the default first.
STYLES: Final = ("flat", "flat-square", "plastic", "for-the-badge", "social")

_DEFAULT: Final = default_color(DEFAULT_COLOR)
_DEFAULT_LABEL: Final = default_color(DEFAULT_LABEL_COLOR)


def style_error(style: object) -> ValueError:
    """The error raised for a style not in ``STYLES``."""
    return ValueError(f"unknown badge style {style!r}; expected one of: {', '.join(STYLES)}")


def render_svg(
    label: str,
    message: str,
    color: str | None = "blue",
    *,
    label_color: str | None = None,
    style: str = "flat",
) -> str:
    """A badge reading ``label | message`` as an SVG document.

    An empty label gives a message-only badge. ``color`` and ``label_color`` accept
    what ``normalize_color`` accepts; anything else falls back to the default colours
    (blue and grey). Texts are cleaned, cut to ``MAX_TEXT_LENGTH`` characters and
    escaped. Raises ``ValueError`` for a style not in ``STYLES``.
    """
    renderer = RENDERERS.get(style)
    if renderer is None:
        raise style_error(style)
    fill = resolve_color(color) or _DEFAULT
    label_fill = resolve_color(label_color) or _DEFAULT_LABEL
    return renderer(label, message, fill, label_fill)
