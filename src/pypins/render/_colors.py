"""Badge colours: shields.io's names and aliases, hex, CSS functions and CSS names.

A colour is accepted in one of these forms (case-insensitive, surrounding blanks
ignored) and anything else is refused, so that no caller-supplied text ever reaches
the SVG:

* a shields.io name (``brightgreen``, ``green``...) or alias (``success``, ``critical``...);
* hex without ``#`` (3 or 6 digits, as shields.io) or with it (3, 4, 6 or 8 digits);
* ``rgb()``, ``rgba()``, ``hsl()``, ``hsla()`` with comma- or space-separated arguments,
  numbers within their CSS ranges;
* one of the 148 CSS named colours (shields.io names win: ``green`` is ``#67ac09``).
"""

from __future__ import annotations

import colorsys
import functools
import re
from typing import Final, NamedTuple

from pypins.render._css_colors import CSS_COLORS

#: shields.io's named colours (badge-maker 6.0.0's ``lib/color.js``).
SHIELDS_COLORS: Final[dict[str, str]] = {
    "blue": "#007ec6",
    "brightgreen": "#4b0",
    "green": "#67ac09",
    "grey": "#555",
    "lightgrey": "#939393",
    "orange": "#ea7233",
    "red": "#dd4343",
    "yellow": "#d8b800",
    "yellowgreen": "#95991a",
}

#: shields.io's aliases of its named colours.
ALIASES: Final[dict[str, str]] = {
    "critical": "red",
    "gray": "grey",
    "important": "orange",
    "inactive": "lightgrey",
    "informational": "blue",
    "lightgray": "lightgrey",
    "success": "brightgreen",
}

#: The message colour when none (or an invalid one) is given.
DEFAULT_COLOR: Final = "blue"

#: The label colour when none (or an invalid one) is given.
DEFAULT_LABEL_COLOR: Final = "grey"

#: Background brightness above which texts are dark (shields.io's threshold).
BRIGHTNESS_THRESHOLD: Final = 0.69

_NUMBER = r"(\d{1,3}(?:\.\d+)?|\.\d+)"
_PERCENT_OR_NUMBER = _NUMBER + r"(%?)"
_HUE = r"(-?(?:\d{1,3}(?:\.\d+)?|\.\d+))(?:deg)?"
_COMMA = r" *, *"
_SLASH = r" */ *"


@functools.cache
def _function(name: str, first: str, second: str, sep: str, alpha_sep: str) -> re.Pattern[str]:
    """The pattern of one CSS colour function syntax."""
    alpha = "(?:" + alpha_sep + _PERCENT_OR_NUMBER + ")?"
    body = first + sep + second + sep + second + alpha
    return re.compile(name + r"a?\( *" + body + r" *\)")


_BARE_HEX: Final = re.compile(r"(?:[0-9a-f]{3}){1,2}")
_HASH_HEX: Final = re.compile(r"#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})")


class Color(NamedTuple):
    """A parsed colour: its canonical (shields.io) name, its SVG value and text colours."""

    #: The form shields.io's endpoint schema and ``normalizeColor`` use (``"success"`` ->
    #: ``"brightgreen"``, ``"ABC"`` -> ``"#abc"``).
    name: str
    #: The value written into SVG ``fill`` attributes.
    svg: str
    #: The fill of texts drawn on this colour (``#fff`` or ``#333``).
    text: str
    #: The fill of their shadows (``#010101`` or ``#ccc``).
    shadow: str


def _hex_rgb(value: str) -> tuple[float, float, float]:
    """The 0-255 RGB channels of a ``#rgb[a]`` or ``#rrggbb[aa]`` colour."""
    digits = value[1:]
    if len(digits) in (3, 4):
        digits = "".join(digit * 2 for digit in digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def _alpha_ok(number: str | None, percent: str | None) -> bool:
    """Whether an optional alpha argument lies within its range."""
    return number is None or float(number) <= (100 if percent else 1)


def _function_rgb(value: str) -> tuple[float, float, float] | None:
    """The RGB channels of a valid ``rgb[a]()``/``hsl[a]()`` colour, or None."""
    for pattern in (
        _function("rgb", _PERCENT_OR_NUMBER, _PERCENT_OR_NUMBER, _COMMA, _COMMA),
        _function("rgb", _PERCENT_OR_NUMBER, _PERCENT_OR_NUMBER, " +", _SLASH),
    ):
        match = pattern.fullmatch(value)
        if match:
            *channels, alpha, alpha_percent = match.groups()
            rgb: list[float] = []
            for number, percent in zip(channels[::2], channels[1::2], strict=True):
                amount = float(number)
                if amount > (100 if percent else 255):
                    return None
                rgb.append(amount * 2.55 if percent else amount)
            return (rgb[0], rgb[1], rgb[2]) if _alpha_ok(alpha, alpha_percent) else None
    for pattern in (
        _function("hsl", _HUE, _NUMBER + "(%)", _COMMA, _COMMA),
        _function("hsl", _HUE, _NUMBER + "(%)", " +", _SLASH),
    ):
        match = pattern.fullmatch(value)
        if match:
            hue, saturation, _, lightness, _, alpha, alpha_percent = match.groups()
            if float(saturation) > 100 or float(lightness) > 100:
                return None
            if not _alpha_ok(alpha, alpha_percent):
                return None
            red, green, blue = colorsys.hls_to_rgb(
                float(hue) / 360 % 1, float(lightness) / 100, float(saturation) / 100
            )
            return (red * 255, green * 255, blue * 255)
    return None


def _brightness(rgb: tuple[float, float, float]) -> float:
    """shields.io's brightness of RGB channels: 0 (black) to 1 (white), two decimals."""
    red, green, blue = rgb
    return round((red * 299 + green * 587 + blue * 114) / 255000, 2)


def _make(name: str, svg: str, rgb: tuple[float, float, float]) -> Color:
    """A ``Color`` with its text colours chosen by brightness, as shields.io does."""
    if _brightness(rgb) <= BRIGHTNESS_THRESHOLD:
        return Color(name, svg, "#fff", "#010101")
    return Color(name, svg, "#333", "#ccc")


def _parse(value: str | None) -> tuple[str, str, tuple[float, float, float]] | None:
    """The canonical name, SVG value and RGB channels of colour ``value``, or None."""
    if not value:
        return None
    key = value.strip().lower()
    key = ALIASES.get(key, key)
    svg = SHIELDS_COLORS.get(key)
    if svg is not None:
        return key, svg, _hex_rgb(svg)
    if _BARE_HEX.fullmatch(key):
        key = "#" + key
        return key, key, _hex_rgb(key)
    if _HASH_HEX.fullmatch(key):
        return key, key, _hex_rgb(key)
    css = CSS_COLORS.get(key)
    if css is not None:
        return key, key, _hex_rgb(css)
    if len(key) <= 64:
        rgb = _function_rgb(key)
        if rgb is not None:
            return key, key, rgb
    return None


def parse_color(value: str | None) -> Color | None:
    """The ``Color`` that ``value`` names, or None when it is not a valid colour."""
    parsed = _parse(value)
    return None if parsed is None else _make(*parsed)


def brightness(value: str | None) -> float:
    """shields.io's brightness of colour ``value`` (0 to 1); 0 when it is not a colour."""
    parsed = _parse(value)
    return 0.0 if parsed is None else _brightness(parsed[2])


_cache: dict[str | None, Color | None] = {}
_CACHE_SIZE: Final = 1024


def resolve_color(value: str | None) -> Color | None:
    """``parse_color`` with a bounded cache of recent answers."""
    try:
        return _cache[value]
    except KeyError:
        pass
    color = parse_color(value)
    if value is None or len(value) <= 64:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[value] = color
    return color


def default_color(value: str) -> Color:
    """The ``Color`` of a name known to be valid (the defaults)."""
    color = parse_color(value)
    if color is None:  # pragma: no cover - a typo in a constant
        raise ValueError(value)
    return color


def normalize_color(value: str | None) -> str | None:
    """The SVG-safe form of colour ``value`` (``"success"`` -> ``"#4b0"``), or None.

    None means the value is not a colour pypins accepts (the renderers then fall back
    to the default colour); the web layer then ignores the query's colour, as shields.io
    does, and the badge keeps its own.
    """
    color = resolve_color(value)
    return None if color is None else color.svg


def clear_cache() -> None:
    """Forget the cached colours (for benchmarks and tests)."""
    _cache.clear()
