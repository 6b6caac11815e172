"""shields.io URLs as READMEs write them, through the real service on the loopback upstream:
logos, links, colour typos, PNG scales, 404 badges and extensions in any case."""

from __future__ import annotations

import base64
import json
import re
import struct
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from pypins.render import render_svg
from pypins.routes import QUERY_PARAMS, QueryParam

DOCS = Path(__file__).resolve().parents[2] / "docs" / "badges.md"

#: An SVG logo with everything active in it that a sanitiser must take out.
HOSTILE_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)">'
    b"<script>alert(2)</script><foreignObject><p>x</p></foreignObject>"
    b'<rect width="10" height="10" fill="red"/></svg>'
)
PLAIN_LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4"/></svg>'


def data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


async def badge(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """A badge answer, checked to be a 200."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response


async def facts(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    """The JSON badge of ``path``: its label, message and colour."""
    document: dict[str, Any] = json.loads((await badge(client, f"{path}.json")).content)
    return document


def png_size(body: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert body.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", body[16:24])
    return width, height


def logo_hrefs(svg: str) -> list[bytes]:
    """The decoded data URIs of a badge's ``<image>`` logos."""
    return [
        base64.b64decode(encoded)
        for encoded in re.findall(r'<image [^>]*href="data:image/svg\+xml;base64,([^"]+)"', svg)
    ]


@pytest.mark.parametrize(
    ("query", "render"),
    [
        ("logo=python&logoColor=white", {"logo": "python", "logo_color": "white"}),
        ("style=social&logo=pypi", {"style": "social", "logo": "pypi"}),
        (
            "style=for-the-badge&logo=python&logoColor=white",
            {"style": "for-the-badge", "logo": "python", "logo_color": "white"},
        ),
        ("logo=github&logoSize=auto", {"logo": "github", "logo_size": "auto"}),
        ("logo=python&logoWidth=30", {"logo": "python", "logo_width": 30}),
        ("logo=Python&logoColor=ffd43b", {"logo": "Python", "logo_color": "#ffd43b"}),
        ("link=https://a.example", {"links": ["https://a.example"]}),
        (
            "link=https://a.example&link=https://b.example",
            {"links": ["https://a.example", "https://b.example"]},
        ),
        (
            "link=https://a.example&link=https://b.example&link=https://c.example",
            {"links": ["https://a.example", "https://b.example"]},
        ),
        ("style=flat-square&logo=pypi&colorB=green", {"style": "flat-square", "logo": "pypi"}),
        ("style=plastic&labelColor=555&logo=python", {"style": "plastic", "logo": "python"}),
        (f"logo={quote(data_uri(PLAIN_LOGO), safe='')}", {"logo": data_uri(PLAIN_LOGO)}),
    ],
)
@pytest.mark.parametrize("path", ["/pypi/v/requests", "/pypi/pyversions/requests"])
async def test_readme_urls_render_as_the_renderer_draws(
    client: httpx.AsyncClient, path: str, query: str, render: dict[str, Any]
) -> None:
    """A README's URL gives the badge the renderer draws from the badge's data and the
    query's logo, colours and links."""
    shown = await facts(client, path)
    color = "green" if "colorB=green" in query else shown["color"]
    label_color = "555" if "labelColor=555" in query else None
    response = await badge(client, f"{path}.svg?{query}")
    assert response.headers["content-type"].startswith("image/svg+xml")
    expected = render_svg(
        shown["label"], shown["message"], color, label_color=label_color, **render
    )
    assert response.text == expected
    if "logo" in render:
        assert logo_hrefs(response.text)
    for link in render.get("links", []):
        assert f'href="{link}"' in response.text


@pytest.mark.parametrize(
    "url",
    [
        "/badge/build-passing-brightgreen.svg?logo=github&logoColor=white",
        "/static/v1.svg?label=made%20with&message=python&logo=python",
        "/v/requests/badge.svg?logo=pypi",
    ],
)
async def test_every_badge_family_takes_logos(client: httpx.AsyncClient, url: str) -> None:
    """Static badges, on both URL families, and pypip.in's take logos too."""
    response = await badge(client, url)
    assert len(logo_hrefs(response.text)) == 1


@pytest.mark.parametrize(
    "url",
    [
        "/badge/build-passing-brightgreen.png?logo=github&scale=2",
        "/static/v1.png?label=a&message=b&logo=python&scale=2",
        "/pypi/v/requests.png?logo=python&scale=2",
    ],
)
async def test_png_badges_take_logos_and_scales(client: httpx.AsyncClient, url: str) -> None:
    """A PNG with a logo differs from one without, at the scale asked for."""
    with_logo = await badge(client, url)
    without = await badge(client, url.replace("logo=", "nologo="))
    assert with_logo.headers["content-type"] == "image/png"
    assert png_size(with_logo.content)[1] == 40
    assert png_size(with_logo.content)[0] > png_size(without.content)[0]


@pytest.mark.parametrize(
    ("query", "height"),
    [
        ("", 20),
        ("scale=1", 20),
        ("scale=2", 40),
        ("scale=3", 60),
        ("scale=4", 20),
        ("scale=0", 20),
        ("scale=2.0", 20),
        ("scale=x", 20),
        ("style=for-the-badge&scale=3", 84),
    ],
)
async def test_png_scale(client: httpx.AsyncClient, query: str, height: int) -> None:
    """``scale`` 2 and 3 multiply a PNG's size; other values draw it at 1x."""
    one = png_size((await badge(client, "/pypi/v/requests.png")).content)
    width, drawn = png_size((await badge(client, f"/pypi/v/requests.png?{query}")).content)
    assert drawn == height
    if "style" not in query:
        assert width == one[0] * height // 20


async def test_scale_changes_nothing_on_svg_and_json(client: httpx.AsyncClient) -> None:
    for fmt in ("svg", "json"):
        plain = await badge(client, f"/pypi/v/requests.{fmt}")
        scaled = await badge(client, f"/pypi/v/requests.{fmt}?scale=3")
        assert scaled.content == plain.content


@pytest.mark.parametrize(
    "query",
    [
        "logo=nosuchslug-at-all",
        "logo=",
        "logo=data:image/svg+xml;base64,not-base64!",
        "logo=data:text/html;base64,PHNjcmlwdD4=",
        "logoColor=white",
        "logoSize=huge",
        "logoWidth=-3",
        "logoWidth=nan",
        "link=javascript:alert(1)",
        "link=ftp://example.org",
        "link=" + "https://a.example/" + "x" * 2100,
        "color=notacolor",
        "colorB=notacolor",
        "labelColor=notacolor",
        "colorA=url(javascript:x)",
        "style=popout",
        "style=nosuchstyle",
        "unknown=1",
    ],
)
async def test_what_cannot_be_used_is_ignored(client: httpx.AsyncClient, query: str) -> None:
    """An unknown slug, a bad logo, size, width or link, a colour typo or an unknown style
    leave the badge as it is without them, as shields.io does: its data, its colours."""
    plain = await badge(client, "/pypi/v/requests.svg")
    odd = await badge(client, f"/pypi/v/requests.svg?{query}")
    assert odd.text == plain.text
    assert "javascript" not in odd.text


async def test_a_colour_typo_keeps_the_badge(client: httpx.AsyncClient) -> None:
    """``?color=notacolor`` is the badge's own data in its own colour, not an error."""
    plain = await facts(client, "/pypi/v/requests")
    typo = json.loads((await badge(client, "/pypi/v/requests.json?color=notacolor")).content)
    assert typo == plain
    assert "invalid" not in typo["message"]
    grey = json.loads((await badge(client, "/pypi/v/requests.json?labelColor=notacolor")).content)
    assert "labelColor" not in grey


async def test_error_badges_keep_their_colours(client: httpx.AsyncClient) -> None:
    """As on shields.io, ``color`` and ``labelColor`` do not recolour an error badge."""
    error = await facts(client, "/pypi/v/no-such-package-anywhere")
    recoloured = json.loads(
        (
            await badge(client, "/pypi/v/no-such-package-anywhere.json?color=green&labelColor=blue")
        ).content
    )
    assert error["color"] == recoloured["color"] == "red"
    assert "labelColor" not in recoloured


async def test_a_hostile_logo_comes_out_inert(client: httpx.AsyncClient) -> None:
    """A data URI logo with a script, an event handler and a foreignObject is drawn
    without any of them."""
    query = "logo=" + quote(data_uri(HOSTILE_LOGO), safe="")
    response = await badge(client, f"/pypi/v/requests.svg?{query}")
    [logo] = logo_hrefs(response.text)
    assert b"<rect" in logo
    for active in (b"script", b"onload", b"alert", b"foreignObject"):
        assert active not in logo
    assert "script" not in response.text


async def test_a_logo_of_the_size_bound_is_read(client: httpx.AsyncClient) -> None:
    """A data URI logo of several KiB (longer than a path may be) is drawn."""
    padding = b"<!--" + b"x" * 8000 + b"-->"
    logo = PLAIN_LOGO.replace(b"<circle", padding + b"<circle")
    query = "logo=" + quote(data_uri(logo), safe="")
    response = await badge(client, f"/pypi/v/requests.svg?{query}")
    assert logo_hrefs(response.text)


async def test_json_carries_the_named_logo(client: httpx.AsyncClient) -> None:
    """JSON keeps shields' endpoint schema: a named logo and its colour, size and width;
    no data URI logo, links or scale."""
    document = json.loads(
        (
            await badge(
                client,
                "/pypi/v/requests.json?logo=python&logoColor=white&logoSize=auto"
                "&logoWidth=20&link=https://a.example&scale=2",
            )
        ).content
    )
    assert document["namedLogo"] == "python"
    assert document["logoColor"] == "white"
    assert document["logoSize"] == "auto"
    assert document["logoWidth"] == 20
    assert "link" not in json.dumps(document)
    query = "logo=" + quote(data_uri(PLAIN_LOGO), safe="")
    inline = json.loads((await badge(client, f"/pypi/v/requests.json?{query}")).content)
    assert "namedLogo" not in inline


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("logo=python", "logo=pypi"),
        ("logo=python&logoColor=white", "logo=python&logoColor=black"),
        ("logo=github", "logo=github&logoSize=auto"),
        ("logo=python&logoWidth=20", "logo=python&logoWidth=30"),
        ("link=https://a.example", "link=https://b.example"),
        ("link=https://a.example", "link=https://a.example&link=https://b.example"),
    ],
)
async def test_each_parameter_is_part_of_the_cache_key(
    client: httpx.AsyncClient, first: str, second: str
) -> None:
    """A badge kept for one query is never served for another that draws differently."""
    one = await badge(client, f"/pypi/v/requests.svg?{first}")
    two = await badge(client, f"/pypi/v/requests.svg?{second}")
    again = await badge(client, f"/pypi/v/requests.svg?{first}")
    assert one.text != two.text
    assert again.text == one.text


async def test_scale_is_part_of_the_png_cache_key(client: httpx.AsyncClient) -> None:
    two = await badge(client, "/pypi/v/requests.png?scale=2")
    three = await badge(client, "/pypi/v/requests.png?scale=3")
    assert png_size(two.content)[1] == 40
    assert png_size(three.content)[1] == 60


# -- 404 badges --------------------------------------------------------------------------

NOT_FOUND_CACHE = "public, max-age=30, s-maxage=30"


@pytest.mark.parametrize(
    ("url", "fmt"),
    [
        ("/pypi/nosuchkind/requests.svg", "svg"),
        ("/pypi/dm/requests/2.0.svg", "svg"),
        ("/pypi/v/requests/", "svg"),
        ("/pypi/v", "svg"),
        ("/pypi/v/requests/1.0/extra.png", "png"),
        ("/pypi/nosuchkind/requests.JSON", "json"),
        ("/pypi/nosuchkind/requests.Png", "png"),
        ("/badge/a/b.png", "png"),
        ("/badge/", "svg"),
        ("/static/v2.json", "json"),
        ("/static/v1/extra", "svg"),
        ("/nosuchkind/requests/badge.svg", "svg"),
        ("/nosuchkind/requests/badge.png", "png"),
        ("/v/requests/badge", "svg"),
        ("/v/requests/1.0/badge.json", "json"),
    ],
)
async def test_not_found_badges(client: httpx.AsyncClient, url: str, fmt: str) -> None:
    """A URL under a badge prefix that is no badge is shields' 404 badge in the format
    asked for, with status 404 and a short lifetime."""
    response = await client.get(url)
    assert response.status_code == 404
    assert response.headers["cache-control"] == NOT_FOUND_CACHE
    assert response.headers["x-content-type-options"] == "nosniff"
    if fmt == "svg":
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.text == render_svg("404", "badge not found", "red")
        assert "content-security-policy" in response.headers
    elif fmt == "png":
        assert response.headers["content-type"] == "image/png"
        assert png_size(response.content)[1] == 20
    else:
        assert response.headers["content-type"] == "application/json"
        document = json.loads(response.content)
        assert (document["label"], document["message"], document["color"]) == (
            "404",
            "badge not found",
            "red",
        )
    head = await client.head(url)
    assert (head.status_code, head.content) == (404, b"")
    assert head.headers["content-type"] == response.headers["content-type"]


@pytest.mark.parametrize("url", ["/favicon.ico", "/nope", "/robots.txt", "/a/b/c.svg"])
async def test_other_paths_keep_the_plain_404(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")


async def test_not_found_badges_are_rendered_once(client: httpx.AsyncClient) -> None:
    """Every 404 badge of a format is the same bytes (kept, not drawn per request)."""
    first = await client.get("/pypi/nosuchkind/a.png")
    second = await client.get("/pypi/othernosuchkind/b.png")
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]


def test_docs_give_the_not_found_lifetime() -> None:
    """docs/badges.md states the 404 badge's Cache-Control as sent."""
    assert f"`Cache-Control: {NOT_FOUND_CACHE}`" in DOCS.read_text(encoding="utf-8")


# -- extensions in any case ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "lower"),
    [
        ("/pypi/v/requests.SVG", "/pypi/v/requests.svg"),
        ("/pypi/v/requests.Png", "/pypi/v/requests.png"),
        ("/pypi/v/requests.JSON", "/pypi/v/requests.json"),
        ("/pypi/v/requests/2.0.0.SVG", "/pypi/v/requests/2.0.0.svg"),
        ("/v/requests/badge.SVG", "/v/requests/badge.svg"),
        ("/v/requests/badge.pNg", "/v/requests/badge.png"),
        ("/badge/a-b-red.SVG", "/badge/a-b-red.svg"),
        ("/static/v1.JSON?message=m", "/static/v1.json?message=m"),
    ],
)
async def test_extensions_match_in_any_case(
    client: httpx.AsyncClient, url: str, lower: str
) -> None:
    """``.SVG``, ``.Png``... are the formats, not part of the package's name."""
    upper = await badge(client, url)
    expected = await badge(client, lower)
    assert upper.headers["content-type"] == expected.headers["content-type"]
    assert upper.content == expected.content


# -- one declaration, many readers -------------------------------------------------------


@pytest.mark.parametrize("param", QUERY_PARAMS, ids=lambda param: param.name)
async def test_the_builder_lists_every_parameter(
    client: httpx.AsyncClient, param: QueryParam
) -> None:
    """The index page's parameter table has a row per declared parameter, aliases too."""
    page = (await client.get("/")).text
    table = page.split("Parameters every badge takes</caption>", 1)[1].split("</table>", 1)[0]
    rows = table.split("<tr>")
    [row] = [row for row in rows if row.startswith(f"<td><code>{param.name}</code>")]
    for alias in param.aliases:
        assert f"<code>{alias}</code>" in row
