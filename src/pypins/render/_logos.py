"""Logos as shields.io draws them: Simple Icons by slug, or a data URI, made safe.

A named logo comes from the Simple Icons set packaged by ``simple-icons-pack`` (CC0,
nothing fetched at run time) and is looked up as shields.io looks it up
(``lib/logos.js``): case-insensitively, spaces read as hyphens, by slug, by title, by a
title with hyphens for spaces, and through shields' aliases of renamed icons. Its colour
is ``logo_color`` when that is a valid colour; otherwise the brand colour, except
"whitesmoke" for dark brands (brightness at most 0.4) in every style but social, and
``#333`` for light brands (brightness at least 0.6) in the social style.

``logo_size="auto"`` widens a logo whose drawing is wider than tall: its viewBox is
cropped to the drawing and its width grows with the aspect ratio (the height stays
14 px). ``logo_width`` sets the width outright.

A data URI is ``data:image/svg+xml;base64,...`` or ``data:image/png;base64,...`` of at most
``MAX_LOGO_BYTES`` decoded bytes (the ``data:`` prefix may be left out and ``+`` read as a
space, as in shields.io's query strings). A PNG must declare at most ``MAX_PNG_SIDE``
pixels a side. An SVG is parsed without DTDs or entities and rebuilt from an allow-list
of elements and attributes: scripts, styles, event handlers, ``foreignObject``,
``image``, ``use``, animation, links, external references, ``javascript:`` and CSS
``url()``/``@import`` never survive. Anything that does not meet these rules is no logo
at all, as an unknown slug is.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from typing import Final, NamedTuple
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

from pypins.render._colors import brightness, resolve_color
from pypins.render._text import escape

#: Logo height, and the width of a logo without ``logo_width`` or ``logo_size``.
LOGO_HEIGHT: Final = 14
#: Largest data URI logo, decoded, in bytes.
MAX_LOGO_BYTES: Final = 32 * 1024
#: Largest width or height a PNG logo may declare, in pixels.
MAX_PNG_SIDE: Final = 512
#: Widest logo ``logo_width`` may ask for, in pixels.
MAX_LOGO_WIDTH: Final = 128
#: The ``logo_size`` values: shields.io knows only "auto".
LOGO_SIZES: Final = ("auto",)

#: shields.io's names of renamed icons (``lib/logos.js``).
ALIASES: Final = {
    "azuredevops": "azure-devops",
    "eclipse": "eclipse-ide",
    "gitter-white": "gitter",
    "scrutinizer": "scrutinizer-ci",
    "stackoverflow": "stack-overflow",
    "tfs": "azure-devops",
}

_SVG_NS: Final = "{http://www.w3.org/2000/svg}"
_XLINK_HREF: Final = "{http://www.w3.org/1999/xlink}href"
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_DATA_URI: Final = re.compile(r"data:(image/svg\+xml|image/png);base64,([A-Za-z0-9+/]+={0,2})")
_PATH_DATA: Final = re.compile(r'<path d="([^"]*)"')
_VIEW_BOX: Final = 'viewBox="0 0 24 24"'

_MAX_ELEMENTS: Final = 2000
_MAX_DEPTH: Final = 32
#: Elements kept in an SVG logo; any other is dropped with everything inside it.
_ELEMENTS: Final = frozenset(
    {
        "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line",
        "polyline", "polygon", "linearGradient", "radialGradient", "stop", "clipPath", "mask",
    }
)  # fmt: skip
#: Presentation properties, kept as attributes or inside ``style``.
_PROPERTIES: Final = frozenset(
    {
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
        "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
        "stroke-dashoffset", "opacity", "clip-path", "clip-rule", "mask", "stop-color",
        "stop-opacity", "color", "display", "visibility", "vector-effect", "shape-rendering",
        "paint-order",
    }
)  # fmt: skip
#: Geometry and structure attributes kept in an SVG logo (plus ``_PROPERTIES``).
_ATTRIBUTES: Final = _PROPERTIES | frozenset(
    {
        "id", "d", "x", "y", "width", "height", "cx", "cy", "r", "rx", "ry", "x1", "y1",
        "x2", "y2", "fx", "fy", "fr", "points", "viewBox", "preserveAspectRatio", "transform",
        "offset", "gradientUnits", "gradientTransform", "spreadMethod", "clipPathUnits",
        "maskUnits", "maskContentUnits", "pathLength", "style",
    }
)  # fmt: skip
_LOCAL_URL: Final = re.compile(r"url\(\s*#[A-Za-z_][\w.:-]*\s*\)")
_UNSAFE: Final = re.compile(r"[<>\\&]|url|@|expression|script|data:|/\*", re.IGNORECASE)
_LOCAL_HREF: Final = re.compile(r"#[A-Za-z_][\w.:-]*")


class Logo(NamedTuple):
    """A logo ready for the badge: its ``<image>`` href and its width in pixels."""

    #: A ``data:`` URI of base64 text, safe inside an XML attribute as it is.
    href: str
    #: Width of the logo box; the height is always ``LOGO_HEIGHT``.
    width: int | float


class _Icon(NamedTuple):
    """A Simple Icon: its SVG (a root ``<svg`` without ``fill``) and brand colour."""

    svg: str
    hex: str


_titles: dict[str, str] = {}
_boxes: dict[str, tuple[float, float, float, float] | None] = {}
_cache: dict[tuple[str, str | None, bool, str | None, float | None], Logo | None] = {}
_CACHE_SIZE: Final = 1024
_CACHEABLE: Final = 8 * 1024


def _icon(name: str) -> tuple[str, _Icon] | None:
    """The slug and Simple Icon that ``name`` refers to, as shields.io resolves it."""
    import simple_icons_pack  # noqa: PLC0415 - a native module, loaded on the first logo

    key = name.lower()
    key = ALIASES.get(key, key).replace(" ", "-")
    icon = simple_icons_pack.get_icon(key)
    if icon is None:
        if not _titles:
            titles: dict[str, str] = {}
            for constant in dir(simple_icons_pack):
                found = getattr(simple_icons_pack, constant)
                if isinstance(found, simple_icons_pack.Icon):
                    title = found.title.lower()
                    titles.setdefault(title, found.slug)
                    titles.setdefault(title.replace(" ", "-"), found.slug)
            _titles.update(titles)
        slug = _titles.get(key)
        icon = simple_icons_pack.get_icon(slug) if slug is not None else None
        if icon is None:
            return None
    return icon.slug, _Icon(icon.svg, icon.hex)


def _bounding_box(slug: str, svg: str) -> tuple[float, float, float, float] | None:
    """``(x, y, width, height)`` of a Simple Icon's drawing, or None when it is empty."""
    if slug not in _boxes:
        from svgelements import Path  # type: ignore[import-untyped]  # noqa: PLC0415

        box = None
        match = _PATH_DATA.search(svg)
        if match is not None:
            bounds = Path(match.group(1)).bbox()
            if bounds is not None:
                x0, y0, x1, y1 = (float(value) for value in bounds)
                if x1 > x0 and y1 > y0:
                    box = (x0, y0, x1 - x0, y1 - y0)
        _boxes[slug] = box
    return _boxes[slug]


def _short(value: float) -> str:
    """``value`` rounded to three decimals, without trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _named(name: str, color: str | None, social: bool, auto: bool) -> Logo | None:
    """A Simple Icon as a logo, coloured and sized as shields.io does."""
    found = _icon(name)
    if found is None:
        return None
    slug, icon = found
    fill = resolve_color(color)
    if fill is not None:
        paint = fill.svg
    else:
        light = brightness(icon.hex)
        if not social and light <= 0.4:
            paint = "whitesmoke"
        elif social and light >= 0.6:
            paint = "#333"
        else:
            paint = f"#{icon.hex}"
    svg = icon.svg.replace("<svg", f'<svg fill="{paint}"', 1)
    width: int | float = LOGO_HEIGHT
    if auto:
        box = _bounding_box(slug, icon.svg)
        if box is not None and box[2] > box[3]:
            x, y, box_width, box_height = box
            view_box = f'viewBox="{_short(x)} {_short(y)} {_short(box_width)} {_short(box_height)}"'
            svg = svg.replace(_VIEW_BOX, view_box, 1)
            width = round(LOGO_HEIGHT * box_width / box_height, 2)
    return Logo(_svg_uri(svg.encode("utf-8")), width)


def _svg_uri(data: bytes) -> str:
    """``data`` as an SVG data URI."""
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def _safe_value(value: str) -> bool:
    """Whether an attribute or CSS value can do nothing but paint."""
    return not _UNSAFE.search(_LOCAL_URL.sub("", value))


def _style(value: str) -> str:
    """The declarations of a ``style`` attribute that set an allowed property safely."""
    kept = []
    for declaration in value.split(";"):
        name, colon, setting = declaration.partition(":")
        name = name.strip().lower()
        setting = setting.strip()
        if colon and name in _PROPERTIES and setting and _safe_value(setting):
            kept.append(f"{name}:{setting}")
    return ";".join(kept)


def _local_name(tag: object) -> str | None:
    """The SVG element name of ``tag`` (namespaced or bare), or None for anything else."""
    if not isinstance(tag, str):
        return None  # comments and processing instructions
    if tag.startswith(_SVG_NS):
        return tag[len(_SVG_NS) :]
    return None if tag.startswith("{") else tag


class _TooComplexError(Exception):
    """The SVG has more elements or depth than a logo may have."""


def _serialize(element: Element, name: str, depth: int, budget: list[int]) -> str:
    """``element`` and its allowed descendants, as markup built from the allow-lists."""
    budget[0] -= 1
    if budget[0] < 0 or depth > _MAX_DEPTH:
        raise _TooComplexError
    attributes = []
    for key, value in element.attrib.items():
        if key in (_XLINK_HREF, "href"):
            if name in ("linearGradient", "radialGradient") and _LOCAL_HREF.fullmatch(value):
                attributes.append(f' href="{escape(value)}"')
            continue
        if key not in _ATTRIBUTES:
            continue
        kept = _style(value) if key == "style" else value if _safe_value(value) else ""
        if kept:
            attributes.append(f' {key}="{escape(kept)}"')
    if depth == 0:
        attributes.insert(0, ' xmlns="http://www.w3.org/2000/svg"')
    content = []
    if name in ("title", "desc") and element.text:
        content.append(escape(element.text))
    for child in element:
        child_name = _local_name(child.tag)
        if child_name in _ELEMENTS and child_name != "svg":
            content.append(_serialize(child, child_name, depth + 1, budget))
    if not content:
        return f"<{name}{''.join(attributes)}/>"
    return f"<{name}{''.join(attributes)}>{''.join(content)}</{name}>"


def sanitize_svg(data: bytes) -> bytes | None:
    """The allow-listed rebuild of an SVG document, or None when it is not a safe SVG."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        return None
    if _local_name(root.tag) != "svg":
        return None
    try:
        return _serialize(root, "svg", 0, [_MAX_ELEMENTS]).encode("utf-8")
    except (_TooComplexError, RecursionError):
        return None


def _png_ok(data: bytes) -> bool:
    """Whether ``data`` starts as a PNG whose declared size is within ``MAX_PNG_SIDE``."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return False
    width, height = struct.unpack(">II", data[16:24])
    return bool(0 < width <= MAX_PNG_SIDE and 0 < height <= MAX_PNG_SIDE)


def data_uri(value: str) -> str | None:
    """The safe data URI that ``value`` (a query's ``logo``) encodes, or None.

    As shields.io does, a missing ``data:`` prefix is added, spaces become ``+`` (a query
    string's ``+`` arrives as a space) and other white space is dropped.
    """
    if not value.startswith("data:"):
        value = "data:" + value
    value = re.sub(r"\s", "", value.replace(" ", "+"))
    match = _DATA_URI.fullmatch(value)
    if match is None or len(match.group(2)) > (MAX_LOGO_BYTES + 2) // 3 * 4:
        return None
    kind, encoded = match.groups()
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    if kind == "image/png":
        return (
            f"data:image/png;base64,{base64.b64encode(data).decode('ascii')}"
            if _png_ok(data)
            else None
        )
    safe = sanitize_svg(data)
    return None if safe is None else _svg_uri(safe)


def resolve_logo(
    logo: str | None,
    *,
    color: str | None = None,
    style: str = "flat",
    size: str | None = None,
    width: float | None = None,
) -> Logo | None:
    """The ``Logo`` a badge shows for the query's ``logo``, or None for no logo.

    ``logo`` is a Simple Icons slug (or title) or a data URI; ``color`` (``logoColor``)
    colours a named logo; ``size`` ``"auto"`` (``logoSize``) widens a wide named logo;
    ``width`` (``logoWidth``, 0 < width <= ``MAX_LOGO_WIDTH``) sets the logo's width.
    Unknown slugs, invalid data URIs and invalid sizes or widths are ignored, as
    shields.io ignores them.
    """
    if not logo:
        return None
    social = style == "social"
    key = (logo, color, social, size, width)
    try:
        return _cache[key]
    except KeyError:
        pass
    uri = data_uri(logo)
    if uri is not None:
        found: Logo | None = Logo(uri, LOGO_HEIGHT)
    else:
        found = _named(logo, color, social, size == "auto")
    if found is not None and width is not None and 0 < width <= MAX_LOGO_WIDTH:
        found = Logo(found.href, int(width) if width == int(width) else width)
    if len(logo) <= _CACHEABLE:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = found
    return found


def clear_cache() -> None:
    """Forget the resolved logos (for tests)."""
    _cache.clear()
