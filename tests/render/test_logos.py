"""Logos (Simple Icons and data URIs, sanitised) and links, as shields.io takes them."""

from __future__ import annotations

import base64
import struct

import pytest

from pypins.render import MAX_LOGO_BYTES, STYLES, render_json, render_svg
from pypins.render._logos import (
    LOGO_HEIGHT,
    MAX_LOGO_WIDTH,
    MAX_PNG_SIDE,
    data_uri,
    resolve_logo,
    sanitize_svg,
)
from pypins.render._svg import badge_links, safe_link
from tests.render.svgtools import elements, parse_svg


def decoded(href: str) -> str:
    """The SVG text of an SVG data URI."""
    prefix, _, encoded = href.partition(",")
    assert prefix == "data:image/svg+xml;base64"
    return base64.b64decode(encoded).decode("utf-8")


def svg_uri(svg: str) -> str:
    """``svg`` as a base64 data URI."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def png_bytes(width: int, height: int) -> bytes:
    """The start of a PNG declaring ``width`` x ``height`` (enough for the size check)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header + b"\x00" * 4


@pytest.mark.parametrize(
    "name", ["python", "Python", "PYTHON", "pypi", "GitHub Actions", "github-actions"]
)
def test_named_logos_resolve_case_insensitively_by_slug_or_title(name: str) -> None:
    """Slugs, titles and titles with hyphens for spaces all find the icon."""
    logo = resolve_logo(name)
    assert logo is not None
    assert logo.width == LOGO_HEIGHT
    assert decoded(logo.href).startswith('<svg fill="#')


def test_shields_aliases_of_renamed_icons() -> None:
    """shields.io's old names still find the renamed icons."""
    assert resolve_logo("stackoverflow") == resolve_logo("stack-overflow")


@pytest.mark.parametrize("name", ["nosuchlogo", "python3x", "<script>", "", "data:text/html,x"])
def test_unknown_logos_are_ignored(name: str) -> None:
    """An unknown slug gives no logo, and the badge is drawn without one."""
    assert resolve_logo(name) is None
    assert not elements(parse_svg(render_svg("a", "b", logo=name)), "image")


@pytest.mark.parametrize(
    ("name", "style", "fill"),
    [
        ("python", "flat", "#3776AB"),  # brightness 0.41: the brand colour
        ("github", "flat", "whitesmoke"),  # dark brand (#181717) on a dark label
        ("github", "social", "#181717"),
        ("pypi", "flat", "#3775A9"),
        ("javascript", "flat", "#F7DF1E"),
        ("javascript", "social", "#333"),  # light brand (brightness 0.82) on a light box
    ],
)
def test_default_logo_colours_follow_shields(name: str, style: str, fill: str) -> None:
    """Without logoColor: brand colour, whitesmoke for dark brands, #333 for light ones."""
    logo = resolve_logo(name, style=style)
    assert logo is not None
    assert decoded(logo.href).startswith(f'<svg fill="{fill}"')


@pytest.mark.parametrize(
    ("color", "fill"),
    [("white", "white"), ("success", "#4b0"), ("f5f5f5", "#f5f5f5"), ("bogus", "#3776AB")],
)
def test_logo_color(color: str, fill: str) -> None:
    """logoColor paints a named logo; an invalid one leaves the default."""
    logo = resolve_logo("python", color=color)
    assert logo is not None
    assert decoded(logo.href).startswith(f'<svg fill="{fill}"')


def test_logo_size_auto_widens_wide_logos_only() -> None:
    """logoSize=auto crops a wide icon to its drawing and widens it; square ones stay."""
    wide = resolve_logo("amd", size="auto")
    assert wide is not None
    assert wide.width > 40
    assert 'viewBox="0 9.137 24 5.726"' in decoded(wide.href)
    assert resolve_logo("readthedocs", size="auto") == resolve_logo("readthedocs")  # taller
    assert resolve_logo("amd", size="bogus") == resolve_logo("amd")


@pytest.mark.parametrize(
    ("width", "expected"), [(20, 20), (20.5, 20.5), (0, 14), (-3, 14), (1000, 14)]
)
def test_logo_width(width: float, expected: float) -> None:
    """logoWidth sets the width within (0, MAX_LOGO_WIDTH]; others are ignored."""
    logo = resolve_logo("python", width=width)
    assert logo is not None
    assert logo.width == expected
    assert expected <= MAX_LOGO_WIDTH


@pytest.mark.parametrize("style", STYLES)
def test_every_style_draws_the_logo(style: str) -> None:
    """The logo is an ``<image>`` 14 px high in every style, and widens the badge."""
    root = parse_svg(render_svg("python", "3.12", logo="python", style=style))
    (image,) = elements(root, "image")
    assert image.get("height") == "14"
    assert (image.get("href") or "").startswith("data:image/svg+xml;base64,")
    plain = parse_svg(render_svg("python", "3.12", style=style))
    assert float(root.get("width") or 0) > float(plain.get("width") or 0)


def test_data_uris_as_shields_reads_them() -> None:
    """The data: prefix may be missing and a query's spaces are read as +."""
    uri = svg_uri(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><rect width="2"/></svg>'
    )
    assert data_uri(uri) == uri
    assert data_uri(uri.removeprefix("data:")) == uri
    assert data_uri(uri.replace("+", " ")) == uri
    assert data_uri(uri[:40] + "\n" + uri[40:]) == uri


@pytest.mark.parametrize(
    "value",
    [
        "data:image/svg+xml;base64,!!!!",
        "data:image/svg+xml;base64,PHN2Zz4",  # bad padding
        "data:image/svg+xml,<svg/>",  # not base64
        "data:text/html;base64,PHN2Zz48L3N2Zz4=",
        "data:image/jpeg;base64,/9j/4AAQ",
        svg_uri("<html/>"),
        svg_uri("not xml at all"),
        "data:image/png;base64," + base64.b64encode(b"GIF89a" + b"\x00" * 30).decode(),
        "data:image/png;base64," + base64.b64encode(png_bytes(MAX_PNG_SIDE + 1, 10)).decode(),
        "data:image/png;base64," + base64.b64encode(png_bytes(10, 100_000)).decode(),
        "data:image/png;base64," + base64.b64encode(png_bytes(0, 10)).decode(),
        svg_uri("<svg xmlns='http://www.w3.org/2000/svg'>" + " " * MAX_LOGO_BYTES + "</svg>"),
    ],
)
def test_invalid_or_oversized_data_uris_are_no_logo(value: str) -> None:
    """A data URI that is not a bounded, well-formed SVG or PNG is ignored."""
    assert data_uri(value) is None
    assert not elements(parse_svg(render_svg("a", "b", logo=value)), "image")


def test_png_data_uris_within_bounds_are_kept() -> None:
    """A PNG declaring a sane size is kept as it is."""
    uri = "data:image/png;base64," + base64.b64encode(png_bytes(64, 64)).decode()
    assert data_uri(uri) == uri


HOSTILE = [
    "<script>alert(1)</script>",
    '<rect width="1" height="1" onload="alert(1)" onclick="x()"/>',
    "<foreignObject><div xmlns='http://www.w3.org/1999/xhtml'>hi</div></foreignObject>",
    '<image href="https://example.org/track.png" width="1" height="1"/>',
    '<image xlink:href="file:///etc/passwd" width="1" height="1"/>',
    '<use href="https://example.org/sprite.svg#a"/>',
    '<a href="javascript:alert(1)"><rect width="1" height="1"/></a>',
    '<rect width="1" height="1" fill="url(https://example.org/x)"/>',
    '<rect width="1" height="1" style="fill:url(https://example.org/x);stroke:red"/>',
    "<style>@import url(https://example.org/x.css); rect{fill:red}</style>",
    '<rect width="1" height="1" style="background:url(javascript:alert(1))"/>',
    '<animate attributeName="href" to="javascript:alert(1)"/>',
    '<set attributeName="onload" to="alert(1)"/>',
    '<linearGradient id="g" href="https://example.org/g.svg#x"/>',
    '<rect width="1" height="1" transform="expression(alert(1))"/>',
    '<iframe src="https://example.org"/>',
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_nothing_active_survives_sanitising(payload: str) -> None:
    """Scripts, handlers, foreign content, external references and CSS urls are dropped."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 1 1"><path d="M0 0h1v1z" fill="#fff"/>{payload}</svg>'
    )
    clean = (sanitize_svg(svg.encode()) or b"").decode()
    assert clean.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1">')
    assert '<path d="M0 0h1v1z" fill="#fff"/>' in clean
    lowered = clean.lower()
    for word in (
        "script",
        "on",
        "foreignobject",
        "image",
        "use",
        "http",
        "file:",
        "javascript",
        "@import",
        "animate",
        "<set",
        "expression",
        "iframe",
        "<a ",
        "<style",
    ):
        if word == "on":
            assert " on" not in lowered
        else:
            assert word not in lowered.replace('xmlns="http://www.w3.org/2000/svg"', ""), word


def test_safe_paint_survives_sanitising() -> None:
    """Shapes, gradients referenced locally, and safe style declarations are kept."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="24" height="24"><defs><linearGradient id="a"><stop offset="0" stop-color="red"/>'
        '</linearGradient><linearGradient id="b" xlink:href="#a"/></defs><title>T &amp; t</title>'
        '<circle cx="1" cy="1" r="1" fill="url(#b)" style="stroke:#000;stroke-width:2;behavior:x"/>'
        "</svg>"
    )
    clean = (sanitize_svg(svg.encode()) or b"").decode()
    assert '<linearGradient id="b" href="#a"/>' in clean
    assert 'fill="url(#b)" style="stroke:#000;stroke-width:2"' in clean
    assert "<title>T &amp; t</title>" in clean


@pytest.mark.parametrize(
    "document",
    [
        b'<!DOCTYPE svg [<!ENTITY x "boom">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
        b'<!DOCTYPE svg SYSTEM "https://example.org/x.dtd"><svg xmlns="http://www.w3.org/2000/svg"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 40 + b"</g>" * 40 + b"</svg>",
        b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g/>" * 3000 + b"</svg>",
        b'<html xmlns="http://www.w3.org/1999/xhtml"/>',
    ],
)
def test_entities_dtds_and_complexity_are_refused(document: bytes) -> None:
    """No DTD or entity is read, and deep or huge documents are refused whole."""
    assert sanitize_svg(document) is None


@pytest.mark.parametrize(
    ("link", "kept"),
    [
        ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&amp;c=2"),
        ("http://example.org", "http://example.org"),
        ("HTTPS://EXAMPLE.ORG/", "HTTPS://EXAMPLE.ORG/"),
        ('https://example.org/"><script>', "https://example.org/&quot;&gt;&lt;script&gt;"),
        ("javascript:alert(1)", ""),
        ("data:text/html,x", ""),
        ("//example.org/", ""),
        ("/relative", ""),
        ("ftp://example.org/", ""),
        ("https://", ""),
        ("https://exa mple.org/", ""),
        ("https://example.org/\n", ""),
        ("https://example.org/" + "a" * 3000, ""),
        ("", ""),
    ],
)
def test_links_are_http_only_and_escaped(link: str, kept: str) -> None:
    """Only absolute http(s) URLs are kept, escaped for an attribute."""
    assert safe_link(link) == kept


def test_one_link_wraps_the_whole_badge() -> None:
    """One link: the badge body is one ``<a>``, as badge-maker draws it."""
    root = parse_svg(render_svg("docs", "online", links=["https://example.org/"]))
    (link,) = elements(root, "a")
    assert link.get("href") == "https://example.org/"
    assert link.get("target") == "_blank"
    assert root.get("aria-label") == "docs: online"


@pytest.mark.parametrize("style", STYLES)
def test_two_links_link_label_and_message(style: str) -> None:
    """Two links: one ``<a>`` each; the badge then has no title (badge-maker)."""
    root = parse_svg(
        render_svg(
            "repo", "source", links=["https://l.example/", "https://r.example/"], style=style
        )
    )
    assert [a.get("href") for a in elements(root, "a")] == [
        "https://l.example/",
        "https://r.example/",
    ]
    assert not elements(root, "title")


def test_links_beyond_two_and_invalid_ones_are_dropped() -> None:
    """Only the first two links count; an invalid left link keeps the right one."""
    assert badge_links(["https://a.example/", "https://b.example/", "https://c.example/"]) == (
        "https://a.example/",
        "https://b.example/",
    )
    assert badge_links(["javascript:x", "https://b.example/"]) == ("", "https://b.example/")
    assert badge_links("https://a.example/") == ("https://a.example/", "")
    root = parse_svg(render_svg("a", "b", links=["javascript:alert(1)"]))
    assert not elements(root, "a")


def test_json_names_the_logo() -> None:
    """The endpoint JSON carries a valid named logo and its settings, not data URIs."""
    assert '"namedLogo":"python"' in render_json("a", "b", logo="Python", logo_color="white")
    assert "namedLogo" not in render_json("a", "b", logo="nosuchlogo")
    assert "namedLogo" not in render_json(
        "a", "b", logo=svg_uri("<svg xmlns='http://www.w3.org/2000/svg'/>")
    )
