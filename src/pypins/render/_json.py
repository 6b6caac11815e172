"""``render_json``: a badge as a shields.io endpoint document.

The document follows shields.io's endpoint schema (``schemaVersion`` 1), so shields.io
itself (``https://img.shields.io/endpoint?url=...``) and other badge tools can draw it.
"""

from __future__ import annotations

import json

from pypins.render._colors import DEFAULT_COLOR, resolve_color
from pypins.render._logos import LOGO_SIZES, MAX_LOGO_WIDTH, data_uri, resolve_logo
from pypins.render._svg import STYLES, style_error
from pypins.render._text import clean


def render_json(
    label: str,
    message: str,
    color: str | None = "blue",
    *,
    label_color: str | None = None,
    style: str | None = None,
    logo: str | None = None,
    logo_color: str | None = None,
    logo_size: str | None = None,
    logo_width: float | None = None,
) -> str:
    """The badge as compact JSON: ``{"schemaVersion": 1, "label", "message", "color"}``.

    Texts are cleaned and cut as in the SVG. Colours are written in shields.io's
    normal form (``"success"`` -> ``"brightgreen"``, ``"ABC"`` -> ``"#abc"``); an invalid
    ``color`` becomes the default, an invalid ``label_color`` is left out.
    ``labelColor`` and ``style`` appear only when given, and so do the endpoint schema's
    ``namedLogo`` (a slug; data URI logos are left out), ``logoColor``, ``logoSize``
    (``"auto"``) and ``logoWidth`` when they are valid. Raises ``ValueError`` for a style
    not in ``STYLES``.
    """
    if style is not None and style not in STYLES:
        raise style_error(style)
    fill = resolve_color(color)
    document: dict[str, object] = {
        "schemaVersion": 1,
        "label": clean(label),
        "message": clean(message),
        "color": fill.name if fill is not None else DEFAULT_COLOR,
    }
    label_fill = resolve_color(label_color)
    if label_fill is not None:
        document["labelColor"] = label_fill.name
    if style is not None:
        document["style"] = style
    if logo and data_uri(logo) is None and resolve_logo(logo) is not None:
        document["namedLogo"] = logo.lower()
        logo_fill = resolve_color(logo_color)
        if logo_fill is not None:
            document["logoColor"] = logo_fill.name
        if logo_size in LOGO_SIZES:
            document["logoSize"] = logo_size
        if logo_width is not None and 0 < logo_width <= MAX_LOGO_WIDTH:
            document["logoWidth"] = logo_width
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
