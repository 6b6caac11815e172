"""Badge rendering: SVG, PNG and JSON badges with shields.io's look, and colour parsing.

Pure functions of their arguments: the only I/O is reading the packaged width table
once, on first use (and the rasteriser's fonts for PNG).
"""

from pypins.render._colors import normalize_color
from pypins.render._json import render_json
from pypins.render._png import render_png
from pypins.render._svg import STYLES, render_svg
from pypins.render._text import MAX_TEXT_LENGTH
from pypins.render._widths import text_width

__all__ = [
    "MAX_TEXT_LENGTH",
    "STYLES",
    "normalize_color",
    "render_json",
    "render_png",
    "render_svg",
    "text_width",
]
