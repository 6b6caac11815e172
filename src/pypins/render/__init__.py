"""Badge rendering: SVG, PNG and JSON badges drawn as shields.io draws them.

Pure functions of their arguments: the only I/O is reading the packaged width table
and the packaged Simple Icons once, on first use (and the rasteriser's fonts for PNG).
"""

from pypins.render._colors import normalize_color
from pypins.render._json import render_json
from pypins.render._logos import LOGO_SIZES, MAX_LOGO_BYTES, MAX_LOGO_WIDTH
from pypins.render._png import SCALES, render_png
from pypins.render._svg import STYLES, render_svg
from pypins.render._text import MAX_TEXT_LENGTH
from pypins.render._widths import text_width

__all__ = [
    "LOGO_SIZES",
    "MAX_LOGO_BYTES",
    "MAX_LOGO_WIDTH",
    "MAX_TEXT_LENGTH",
    "SCALES",
    "STYLES",
    "normalize_color",
    "render_json",
    "render_png",
    "render_svg",
    "text_width",
]
