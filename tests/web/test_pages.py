"""The badge builder and reference pages: content, snippets, escaping and accessibility."""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from itertools import pairwise

import httpx
import pytest

from pypins.badges import KINDS, LEGACY_KINDS, BadgeExample, BadgeKind
from pypins.render import STYLES
from pypins.stats import UsageReport
from pypins.web.pages import (
    FORMATS,
    NAV,
    PLACEHOLDER_BASE,
    badge_url,
    builder_badges,
    builder_key,
    builder_page,
    content_security_policy,
    index_page,
    snippet,
)
from pypins.web.stats_pages import stats_html
from tests.support.upstream import Upstream

PUBLIC = "https://pins.example.org"
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
)
SHIELDS = [kind for segment, kind in KINDS.items() if segment != "djversions"]
LEGACY = [kind for segment, kind in LEGACY_KINDS.items() if segment not in {"download", "version"}]
XSS = [
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "' onmouseover='alert(1)' x='",
    "</textarea><svg onload=alert(1)>",
    "javascript:alert(1)",
    "&lt;b&gt;&amp;",
]


@dataclass
class Element:
    """A start tag, its attributes, and the text it contains."""

    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    depth: int = 0
    children: list[Element] = field(default_factory=list)

    def get(self, name: str) -> str:
        """An attribute's value ("" when absent or valueless)."""
        return self.attrs.get(name) or ""


class Page(HTMLParser):
    """A parsed page: every element in document order, with its text."""

    def __init__(self, body: bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(body.decode())
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), depth=len(self._open))
        self.elements.append(element)
        for parent in self._open:
            parent.children.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def all(self, tag: str, **attrs: str) -> list[Element]:
        """The elements with this tag and these attribute values."""
        return [
            e
            for e in self.elements
            if e.tag == tag
            and all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def by_id(self, id_: str) -> Element:
        """The one element with this id."""
        (found,) = [e for e in self.elements if e.attrs.get("id") == id_]
        return found

    def has_id(self, id_: str) -> bool:
        """Whether an element has this id."""
        return any(e.attrs.get("id") == id_ for e in self.elements)


def anchor_of(kind: BadgeKind) -> str:
    """The id suffix the page gives a kind."""
    return f"{'legacy' if kind.legacy else 'pypi'}-{kind.segment}"


def badge_path(kind: BadgeKind, package: str) -> str:
    """The badge's path for ``package`` (with the example's framework for path parameters)."""
    params = dict(kind.examples[0].params) if kind.path_params else {}
    return kind.path(package, None, params) + ".svg"


def query_page(**query: str) -> Page:
    """The builder page for ``query``, parsed."""
    return Page(builder_page(query))


@pytest.fixture(scope="module")
def requests_page() -> Page:
    """The builder's answer for ``requests`` in the default style, with no public URL."""
    return query_page(package="requests")


@pytest.fixture(scope="module")
def index() -> Page:
    """The index page, parsed."""
    return Page(index_page())


# -- every badge --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SHIELDS + LEGACY, ids=anchor_of)
def test_every_kind_has_a_card(requests_page: Page, kind: BadgeKind) -> None:
    """Each badge kind has a card with its title and a live image of this service."""
    card = requests_page.by_id(f"badge-{anchor_of(kind)}")
    assert card.get("data-path") == badge_path(kind, "requests")
    assert kind.title in card.text
    (image,) = [child for child in card.children if child.tag == "img"]
    assert image.get("src") == badge_path(kind, "requests")
    assert not image.get("src").startswith(("http:", "https:", "//"))


def test_the_builder_lists_each_badge_once(requests_page: Page) -> None:
    """The cards are the shields kinds then pypip.in's, aliases folded, djversions left out."""
    cards = [e.get("id") for e in requests_page.all("article", class_="card")]
    assert cards == [f"badge-{anchor_of(kind)}" for kind in SHIELDS + LEGACY]
    assert [b.kind for b in builder_badges("requests")] == SHIELDS + LEGACY
    assert "/pypi/djversions/" not in requests_page.by_id("badges").text


@pytest.mark.parametrize(
    ("segment", "alias"), [("legacy-d", "/download/requests/badge.svg"), ("legacy-v", "/version/")]
)
def test_pypip_aliases_are_mentioned(requests_page: Page, segment: str, alias: str) -> None:
    """A pypip.in badge served at two segments names the other one."""
    assert alias in requests_page.by_id(f"badge-{segment}").text


def test_path_parameters_use_the_example(requests_page: Page) -> None:
    """The framework versions badge shows Django's versions and names the other frameworks."""
    card = requests_page.by_id("badge-pypi-frameworkversions")
    assert card.get("data-path") == "/pypi/frameworkversions/django/requests.svg"
    assert "wagtail" in card.text
    assert "jupyterlab" in card.text


def test_kind_parameters_are_listed(requests_page: Page) -> None:
    """A card lists the badge's own parameters as the example queries."""
    assert "?include_prereleases" in requests_page.by_id("badge-pypi-v").text
    assert "?period=day" in requests_page.by_id("badge-legacy-d").text


# -- snippets -----------------------------------------------------------------------------

URL = "https://pins.example.org/pypi/v/requests.svg?style=social"


@pytest.mark.parametrize(
    ("fmt", "alt", "expected"),
    [
        ("markdown", "PyPI - Version", f"![PyPI - Version]({URL})"),
        ("rst", "PyPI - Version", f".. image:: {URL}\n   :alt: PyPI - Version"),
        ("html", "PyPI - Version", f'<img src="{URL}" alt="PyPI - Version">'),
        ("asciidoc", "PyPI - Version", f"image:{URL}[PyPI - Version]"),
        ("markdown", "a [b] \\c", f"![a \\[b\\] \\\\c]({URL})"),
        ("html", 'a "b" <c> & d', f'<img src="{URL}" alt="a &quot;b&quot; &lt;c&gt; &amp; d">'),
        ("asciidoc", "a, b", f'image:{URL}["a, b"]'),
        ("asciidoc", 'say "x", [y]', f'image:{URL}["say \\"x\\", [y\\]"]'),
        ("asciidoc", "a]b", f"image:{URL}[a\\]b]"),
    ],
)
def test_snippet(fmt: str, alt: str, expected: str) -> None:
    """Each format embeds the image the way its documents do, its alt text escaped."""
    assert snippet(fmt, URL, alt) == expected


def test_snippet_of_an_unknown_format() -> None:
    """An unknown format is a ValueError naming the known ones."""
    with pytest.raises(ValueError, match="markdown, rst, html, asciidoc"):
        snippet("bbcode", URL, "x")


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("public_url", ["", PUBLIC, PUBLIC + "/"])
def test_snippets_of_every_card(style: str, public_url: str) -> None:
    """Every card has the four snippets for its URL, in the chosen style and base URL."""
    page = Page(builder_page({"package": "Requests", "style": style}, public_url=public_url))
    base = public_url.rstrip("/") or PLACEHOLDER_BASE
    query = "" if style == "flat" else f"?style={style}"
    for badge in builder_badges("Requests"):
        url = base + badge.path + query
        for fmt, name in FORMATS.items():
            field_id = f"snippet-{badge.anchor}-{fmt}"
            textarea = page.by_id(field_id)
            assert textarea.tag == "textarea"
            assert "readonly" in textarea.attrs
            assert textarea.text == snippet(fmt, url, badge.kind.title)
            assert textarea.get("data-url") == url
            (label,) = page.all("label", for_=field_id)
            assert label.text == name
            (button,) = page.all("button", class_="copy", data_copy=field_id)
            assert button.get("type") == "button"


@pytest.mark.parametrize("style", STYLES)
def test_style_selection(style: str) -> None:
    """The chosen style is selected in the form and used by every image."""
    page = query_page(package="requests", style=style)
    assert [o.get("value") for o in page.all("option") if "selected" in o.attrs] == [style]
    assert [o.get("value") for o in page.all("option")] == list(STYLES)
    images = [img.get("src") for img in page.by_id("badges").children if img.tag == "img"]
    assert len(images) == len(SHIELDS + LEGACY)
    if style == "flat":
        assert not any("?" in src for src in images)
    else:
        assert all(src.endswith(f".svg?style={style}") for src in images)


@pytest.mark.parametrize("style", ["", "bogus", "FLAT", "<b>flat</b>"])
def test_an_unknown_style_falls_back_to_flat(style: str) -> None:
    """An empty or unknown style shows flat badges; an unknown one says so."""
    body = builder_page({"package": "requests", "style": style})
    page = Page(body)
    assert [o.get("value") for o in page.all("option") if "selected" in o.attrs] == ["flat"]
    assert next(e.get("src") for e in page.all("img")) == "/pypi/v/requests.svg"
    warnings = page.all("p", class_="message warning")
    if style:
        assert f"Unknown style {style}" in warnings[0].text
    else:
        assert warnings == []


def test_the_package_name_is_kept_as_typed() -> None:
    """The name is stripped of spaces and otherwise used as typed (the service normalises)."""
    page = query_page(package="  Zope.Interface ")
    assert page.by_id("badge-pypi-v").get("data-path") == "/pypi/v/Zope.Interface.svg"
    assert page.by_id("package").get("value") == "Zope.Interface"
    assert page.by_id("badges-title").text == "Badges for Zope.Interface"


# -- without JavaScript -------------------------------------------------------------------


def test_without_a_public_url_snippets_show_a_placeholder(requests_page: Page) -> None:
    """No public URL: snippets carry a placeholder host, which the note explains."""
    assert requests_page.by_id("badges").get("data-base") == ""
    assert PLACEHOLDER_BASE in requests_page.by_id("base-note").text
    assert requests_page.by_id("snippet-pypi-v-markdown").text == (
        f"![PyPI - Version]({PLACEHOLDER_BASE}/pypi/v/requests.svg)"
    )


def test_a_public_url_is_used_as_is() -> None:
    """With a public URL the snippets are final; the note names the address."""
    page = Page(builder_page({"package": "six"}, public_url=PUBLIC + "/"))
    assert page.by_id("badges").get("data-base") == PUBLIC
    assert PUBLIC in page.by_id("base-note").text
    assert PLACEHOLDER_BASE not in page.by_id("badges").text


def test_copy_buttons_wait_for_javascript(requests_page: Page) -> None:
    """Copy buttons start hidden (the script shows them); snippets are in the page itself."""
    buttons = requests_page.all("button", class_="copy")
    assert len(buttons) == len(FORMATS) * len(SHIELDS + LEGACY)
    assert all("hidden" in button.attrs for button in buttons)
    assert requests_page.all("form")[0].get("method") == "get"
    assert requests_page.all("form")[0].get("action") == "/"


# -- invalid names and escaping -----------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["", "   ", "-requests", "requests-", "two words", "é", "a/b", "x" * 201, "a..b!"]
)
def test_an_invalid_name_is_explained(name: str) -> None:
    """An invalid name gets a message tied to the field, and no badges."""
    page = query_page(package=name)
    error = page.by_id("package-error")
    assert error.get("role") == "alert"
    assert "No badges" in error.text
    assert "package name" in error.text
    field_ = page.by_id("package")
    assert field_.get("aria-invalid") == "true"
    assert "package-error" in field_.get("aria-describedby").split()
    assert not page.has_id("badges")
    assert page.all("article", class_="card") == []
    assert page.all("title")[0].text == "Invalid package name · pypins"


@pytest.mark.parametrize("payload", XSS)
@pytest.mark.parametrize("where", ["package", "style", "both"])
def test_user_input_is_escaped(payload: str, where: str) -> None:
    """Markup in the query is shown as text: no new element, attribute or script."""
    query = {"package": "requests", "style": "flat"}
    if where in ("package", "both"):
        query["package"] = payload
    if where in ("style", "both"):
        query["style"] = payload
    body = builder_page(query, public_url=PUBLIC)
    page = Page(body)
    assert len(page.all("script")) == 1
    assert page.all("script")[0].attrs == {}
    assert not [e for e in page.elements if any(name.startswith("on") for name in e.attrs)]
    assert not [e for e in page.elements if e.tag in {"svg", "iframe", "object", "embed"}]
    assert not [e for e in page.elements if e.tag == "img" and e.get("src") == "x"]
    if set(payload) & set("<>\"'&"):
        assert payload.encode() not in body
    if where in ("package", "both"):
        assert page.by_id("package").get("value") == payload.strip()
    if where in ("style", "both"):
        assert payload in page.all("p", class_="message warning")[0].text


def test_the_page_allows_only_its_own_script_and_style(requests_page: Page) -> None:
    """The CSP names the hashes of the one inline script and the one stylesheet."""
    (script,) = requests_page.all("script")
    (style,) = requests_page.all("style")

    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    policy = content_security_policy()
    assert f"script-src 'sha256-{digest(script.text)}'" in policy
    assert f"style-src 'sha256-{digest(style.text)}'" in policy
    assert "default-src 'none'" in policy
    (meta,) = requests_page.all("meta", http_equiv="Content-Security-Policy")
    assert meta.get("content") == policy
    assert not [e for e in requests_page.elements if "style" in e.attrs]


# -- the reference --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SHIELDS + LEGACY, ids=anchor_of)
def test_the_reference_documents_every_kind(index: Page, kind: BadgeKind) -> None:
    """Each kind has its URL pattern, description and every example, live."""
    entry = index.by_id(f"kind-{anchor_of(kind)}")
    assert kind.title in entry.text
    pattern = f"/{kind.segment}/<package>/badge.svg" if kind.legacy else f"/pypi/{kind.segment}/"
    assert pattern in entry.text
    sources = [e.get("src") for e in entry.children if e.tag == "img"]
    assert sources == [kind.example_url(example) for example in kind.examples]
    for example in kind.examples:
        assert kind.example_url(example) in entry.text
        assert example.note in entry.text
    for name in kind.params:
        assert name in entry.text


def test_the_reference_renders_literals_as_code(index: Page) -> None:
    """Double backticks of a description become code elements, the rest stays escaped."""
    entry = index.by_id("kind-pypi-types")
    codes = [e.text for e in entry.children if e.tag == "code"]
    assert {"typed", "Typing :: Typed", "untyped"} <= set(codes)
    assert "``" not in entry.text


def test_the_index_is_the_builder_without_a_package(index: Page) -> None:
    """Without ``package`` the page is the index: the form and the reference, no results."""
    assert builder_page({}) == index_page()
    assert builder_page({"style": "flat"}) == index_page()
    assert index.has_id("reference")
    assert index.by_id("package").get("value") == ""
    assert not index.has_id("badges")
    assert not index.has_id("package-error")


def test_results_link_to_the_reference(requests_page: Page) -> None:
    """The results page leaves the reference out and links each card to its entry."""
    assert not requests_page.has_id("reference")
    links = {a.get("href") for a in requests_page.all("a")}
    assert "/#reference" in links
    assert "/#kind-pypi-v" in links


# -- accessibility ------------------------------------------------------------------------


def pages() -> list[bytes]:
    """Every shape of page: index, results, invalid name, unknown style."""
    return [
        index_page(),
        builder_page({"package": "requests", "style": "social"}),
        builder_page({"package": "<b>", "style": "flat"}),
        builder_page({"style": "nope"}),
        builder_page({"package": "nope-nope"}, missing=True),
    ]


@pytest.mark.parametrize("body", pages(), ids=["index", "results", "invalid", "style", "missing"])
def test_static_accessibility(body: bytes) -> None:
    """Language, labelled fields, alt texts, heading order, a skip link, unique ids."""
    page = Page(body)
    assert page.all("html")[0].get("lang") == "en"
    for control in [e for e in page.elements if e.tag in {"input", "select", "textarea"}]:
        assert page.all("label", for_=control.get("id")), control
    for image in page.all("img"):
        assert image.get("alt").strip(), image
    levels = [int(e.tag[1]) for e in page.elements if re.fullmatch(r"h[1-6]", e.tag)]
    assert levels[0] == 1
    assert levels.count(1) == 1
    assert all(b <= a + 1 for a, b in pairwise(levels))
    first_link = page.all("a")[0]
    assert first_link.get("href") == "#main"
    assert page.by_id("main").tag == "main"
    ids = Counter(e.get("id") for e in page.elements if e.get("id"))
    assert [id_ for id_, count in ids.items() if count > 1] == []
    assert all(button.get("type") in {"button", "submit"} for button in page.all("button"))
    assert page.by_id("announcer").get("aria-live") == "polite"
    for element in page.elements:
        for name in ("aria-describedby", "aria-labelledby"):
            for target in element.get(name).split():
                assert page.has_id(target), (element, target)


# -- what a page depends on -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ({}, (None, "flat")),
        ({"style": "social"}, (None, "social")),
        ({"package": "six"}, ("six", "flat")),
        ({"package": " Six ", "style": ""}, ("Six", "flat")),
        ({"package": "six", "style": "plastic", "r": "1", "utm_source": "x"}, ("six", "plastic")),
        ({"package": "six", "style": "bogus"}, None),
        ({"package": "-six-"}, None),
        ({"package": ""}, None),
    ],
)
def test_builder_key(query: dict[str, str], key: tuple[str | None, str] | None) -> None:
    """A page is keyed by package (as typed, stripped) and style, other parameters left
    out; a page quoting an invalid name or style back has no key."""
    assert builder_key(query) == key


@pytest.mark.parametrize(
    "query",
    [{"package": "six"}, {"package": " Six ", "style": "for-the-badge"}, {"style": "social"}],
)
def test_other_parameters_change_nothing(query: dict[str, str]) -> None:
    """Pages with the same key are the same page, whatever else the query holds."""
    assert builder_page({**query, "r": "42", "label": "x"}) == builder_page(query)


# -- through the service --------------------------------------------------------------------


async def test_the_service_serves_the_builder(client: httpx.AsyncClient) -> None:
    """``/?package=`` answers with the builder page, HTML, escaped, cacheable."""
    response = await client.get("/", params={"package": "requests", "style": "plastic"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = Page(response.content)
    assert len(page.all("article", class_="card")) == len(SHIELDS + LEGACY)
    assert page.by_id("badge-pypi-v").get("data-path") == "/pypi/v/requests.svg"
    hostile = await client.get("/", params={"package": "<script>alert(1)</script>"})
    assert b"<script>alert(1)" not in hostile.content
    assert Page(hostile.content).has_id("package-error")
    crowded = await client.get("/?" + "&".join("x" * 100))
    assert crowded.status_code == 200  # more fields than any query may have: the index


async def test_card_images_are_served(client: httpx.AsyncClient) -> None:
    """Every image of the results page is an SVG this service serves."""
    page = Page((await client.get("/", params={"package": "six", "style": "flat-square"})).content)
    for image in page.all("img"):
        response = await client.get(image.get("src"))
        assert response.status_code == 200, image.get("src")
        assert response.headers["content-type"].startswith("image/svg+xml")


@pytest.mark.parametrize(
    ("style", "expected"),
    [("flat", "/pypi/v/x.svg"), ("social", "/pypi/v/x.svg?style=social")],
)
def test_badge_url(style: str, expected: str) -> None:
    """The default style adds no query; any other is ``?style=``."""
    assert badge_url("/pypi/v/x.svg", style) == expected


# -- the reference's live examples -----------------------------------------------------------

LIVE = [
    pytest.param(kind, example, id=kind.example_url(example))
    for kind in [*SHIELDS, *LEGACY]
    for example in kind.examples
    # The last release's colour follows the calendar: tests/badges/test_fixtures.py
    # checks it at EXAMPLE_NOW.
    if kind.source == "pypi" and kind.segment != "last-release"
]


@pytest.mark.parametrize(("kind", "example"), LIVE)
async def test_the_reference_examples_show_their_state(
    client: httpx.AsyncClient, kind: BadgeKind, example: BadgeExample
) -> None:
    """Each example the index shows live, served from the recorded PyPI documents, has
    the label and colour the example states."""
    response = await client.get(kind.example_url(example, "json"))
    assert response.status_code == 200
    badge = response.json()
    assert (badge["label"], badge["color"]) == (example.badge.label, example.badge.color)


# -- a package PyPI does not know ------------------------------------------------------------


def test_a_missing_package_gets_a_notice_and_no_badges() -> None:
    """A name PyPI does not know: the form keeps it, a notice says so, no badge is drawn."""
    page = Page(builder_page({"package": "No-Such_pkg", "style": "social"}, missing=True))
    notice = page.by_id("package-missing")
    assert notice.get("role") == "status"
    assert "Not found on PyPI" in notice.text
    assert "No-Such_pkg" in notice.text
    assert page.by_id("package").get("value") == "No-Such_pkg"
    assert not page.has_id("badges")
    assert page.all("article", class_="card") == []
    assert page.all("title")[0].text == "No-Such_pkg not found · pypins"


async def test_the_service_answers_404_for_a_missing_package(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """A name the upstream does not know is a 404 with the notice, asked once while its
    negative record lasts, never kept as a page: a project published since is shown."""
    for _ in range(2):
        response = await client.get("/", params={"package": "pypins-no-such-package"})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert Page(response.content).has_id("package-missing")
    assert upstream.count("/pypi/pypins-no-such-package/json") == 1
    found = await client.get("/", params={"package": "six"})
    assert found.status_code == 200
    assert not Page(found.content).has_id("package-missing")


async def test_an_unreachable_upstream_shows_the_badges(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """When PyPI cannot say (a 503), the builder shows the badges, which say so."""
    upstream.inject("/pypi/*", status=503)
    response = await client.get("/", params={"package": "requests"})
    assert response.status_code == 200
    page = Page(response.content)
    assert not page.has_id("package-missing")
    assert page.all("article", class_="card")


# -- one navigation ---------------------------------------------------------------------------


def _navigation(body: bytes) -> list[tuple[str, str, str]]:
    """The site navigation's links: address, text, and ``aria-current``."""
    page = Page(body)
    (nav,) = page.all("nav", class_="site-nav")
    start = page.elements.index(nav)
    inside = page.elements[start + 1 : start + 2 + len(NAV) * 2]  # ul, then li and a
    return [(a.get("href"), a.text, a.get("aria-current")) for a in inside if a.tag == "a"]


def test_every_page_has_the_one_navigation() -> None:
    """The index, the builder's pages and /stats have the same navigation, in order;
    /stats marks its own link as the page shown."""
    expected = [(href, text, "") for href, text in NAV]
    for body in pages():
        assert _navigation(body) == expected
    report = UsageReport(date(2027, 1, 9), date(2027, 1, 15), (), 0, 0, "memory")
    marked = [(href, text, "page" if href == "/stats" else "") for href, text in NAV]
    assert _navigation(stats_html(report, 7)) == marked
