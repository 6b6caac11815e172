"""The bad-input suite's harness: raw ASGI requests, answer checks and input counts.

The harness calls the app as a server does (the path percent-decoded to text, the
query string passed on raw), so every input reaches it byte for byte, without the
normalisation an HTTP client would apply first. The checks state what any answer to
any input must be: a documented status, a well-formed badge whose texts stay inside
their elements, the security headers. Every property records its inputs per category;
the counts are written to ``test-artifacts/fuzz-counts.json`` at the end of the session.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import ssl
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes
from xml.etree.ElementTree import Element

import aiohttp
import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from pypins import routes
from pypins.badges import FRAMEWORKS, KINDS, LEGACY_KINDS
from pypins.client._async import client_session
from pypins.config import ServiceConfig
from pypins.routes import MAX_PATH_LENGTH, MAX_QUERY_LENGTH, not_found_format
from pypins.web import openapi
from pypins.web.asgi import PypinsApp
from pypins.web.service import BadgeService
from tests.support.service import loopback_config as service_config
from tests.support.trap import Trap
from tests.support.upstream import Upstream

#: Examples per property: modest by default, ``PYPINS_FUZZ_EXAMPLES`` asks for more.
EXAMPLES = int(os.environ.get("PYPINS_FUZZ_EXAMPLES", "200"))

#: Hypothesis settings of every property: no deadline (the loopback upstream's latency
#: varies with the machine's load), one harness shared by a test's examples.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"

#: Every status the OpenAPI document lets the service answer with.
DOCUMENTED_STATUSES = frozenset(
    int(status)
    for item in openapi.build()["paths"].values()
    for operation in item.values()
    for status in operation["responses"]
)
#: The service's own pages; any other 200 is a badge.
SERVICE_PATHS = frozenset(endpoint.path for endpoint in routes.ENDPOINTS)
#: The policy issue 6 asks of every SVG badge (or a stricter one).
CSP = "default-src 'none'; style-src 'unsafe-inline'"

_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:%|px)?"
_COLOR = (
    r"#[0-9a-f]{3,8}|(?:rgb|hsl)a?\([0-9., %/-]+\)|[a-z]+"
    r"|url\(#[A-Za-z0-9_-]+\)"
)
#: What each attribute of a badge may hold: nothing of the caller's choosing but
#: numbers, parsed colours and the accessible name (``aria-label``, checked apart).
ATTRIBUTE_VALUES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for names, pattern in {
        ("width", "height", "x", "y", "rx", "x2", "y2", "offset", "textLength"): _NUMBER,
        ("font-size", "fill-opacity", "stop-opacity", "stdDeviation", "line-height"): _NUMBER,
        ("stroke-width",): _NUMBER,
        ("fill", "stroke", "stop-color"): _COLOR,
        ("id",): r"[A-Za-z0-9_-]+",
        ("clip-path", "filter"): r"url\(#[A-Za-z0-9_-]+\)",
        ("target",): r"_blank",
        ("transform",): r"scale\(\.1\)",
        ("d",): r"[MmLlHhVvZz0-9., -]+",
        ("text-anchor",): r"middle",
        ("font-family",): r"[A-Za-z ,-]+",
        ("font-weight",): r"700|bold",
        ("text-rendering", "shape-rendering"): r"geometricPrecision|crispEdges",
        ("role",): r"img",
        ("aria-hidden",): r"true|false",
    }.items()
    for name in names
}
#: The elements a badge is drawn with.
ELEMENTS = frozenset(
    f"{SVG_NS}{tag}"
    for tag in (
        *("svg", "title", "g", "rect", "path", "text", "linearGradient", "stop", "clipPath"),
        *("filter", "feGaussianBlur", "image", "a", "style"),
    )
)
#: The elements whose content is text.
TEXT_ELEMENTS = frozenset({f"{SVG_NS}text", f"{SVG_NS}title", f"{SVG_NS}style"})
#: What a ``<style>`` may hold: the social style's hover rules on its own ids.
_STYLE_RULE = r"[a-z-]+:(?:url\(#[A-Za-z0-9_-]+\)|#[0-9a-f]+)"
_STYLE_TEXT = re.compile(rf"(?:a:hover #[A-Za-z0-9_-]+\{{{_STYLE_RULE}(?:;{_STYLE_RULE})*\}})+")
#: What ``href`` may hold: a logo as a base64 data URI on an ``<image>``, an http(s)
#: link without blanks or markup on an ``<a>``.
_HREFS = {
    f"{SVG_NS}image": re.compile(r"data:image/(?:svg\+xml|png);base64,[A-Za-z0-9+/]+=*"),
    f"{SVG_NS}a": re.compile(r"https?://[^\s\"<>\\]+"),
}
_URL = re.compile(r"url\(\s*(?!#[A-Za-z0-9_-]+\))", re.IGNORECASE)


# -- requests ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer: status, headers (names lower-case), body, and the header list sent.

    ``sent`` is the header list object the app sent: prepared responses send the very
    list they keep, so two replies with the same ``sent`` came from one cache entry.
    """

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    sent: object

    def header(self, name: str) -> str | None:
        """The first value of header ``name``, or None."""
        wanted = name.lower().encode("latin-1")
        for key, value in self.headers:
            if key == wanted:
                return value.decode("latin-1")
        return None

    @property
    def media_type(self) -> str:
        """The content type without parameters."""
        return (self.header("content-type") or "").split(";")[0].strip()


def scope_for(
    target: bytes, method: str = "GET", headers: Iterable[tuple[bytes, bytes]] = ()
) -> dict[str, Any]:
    """The ASGI scope a server builds for the request target ``target``."""
    raw_path, _, query = target.partition(b"?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote_to_bytes(raw_path).decode("utf-8", "replace"),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"pypins.test"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }


async def call(app: PypinsApp, scope: dict[str, Any]) -> Reply:
    """Run one request through ``app``."""
    sent: list[Mapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start, body = sent
    assert start["type"] == "http.response.start"
    assert body["type"] == "http.response.body"
    return Reply(start["status"], list(start["headers"]), body["body"], start["headers"])


class Harness:
    """Apps on one event loop of their own, driven by raw requests."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.runner = asyncio.Runner()
        self.apps: list[PypinsApp] = []
        self._alone: dict[bytes, Reply] = {}
        # Loading the CA bundle is most of the cost of a new pool: share one context.
        self._tls = ssl.create_default_context()

    def app(self) -> PypinsApp:
        """A new app, started, with an upstream pool configured as the service's own."""

        async def new_pool() -> aiohttp.ClientSession:
            return client_session(timeout=self.config.timeout, verify=self._tls)

        app = PypinsApp(BadgeService(self.config, session=self.runner.run(new_pool())))
        self.runner.run(app.service.start())
        self.apps.append(app)
        return app

    def request(
        self,
        app: PypinsApp,
        target: bytes,
        *,
        method: str = "GET",
        headers: Iterable[tuple[bytes, bytes]] = (),
    ) -> Reply:
        """``app``'s answer to a request for ``target``."""
        return self.runner.run(call(app, scope_for(target, method, headers)))

    def alone(self, target: bytes) -> Reply:
        """The answer of a fresh app to a GET of ``target``, its only request.

        Remembered for the harness's life: within one test the upstream's documents,
        and so a fresh app's answer, stay the same.
        """
        reply = self._alone.get(target)
        if reply is None:
            app = self.app()
            try:
                reply = self._alone[target] = self.request(app, target)
            finally:
                self.stop(app)
        return reply

    def stop(self, app: PypinsApp) -> None:
        """Stop ``app`` and forget it."""
        self.apps.remove(app)
        self.runner.run(app.service.stop())

    def close(self) -> None:
        """Stop every app and the loop."""
        for app in list(self.apps):
            self.stop(app)
        self.runner.close()


def loopback_config(upstream: Upstream) -> ServiceConfig:
    """Every upstream on the loopback server; only its PyPI is an allowed registry."""
    # pypistats' politeness limit would make download badges of fresh names wait.
    return service_config(
        upstream,
        stats_rate_per_second=10_000,
        stats_rate_per_minute=1_000_000,
    )


@pytest.fixture
def fuzz_config(upstream: Upstream) -> ServiceConfig:
    """The configuration of the apps under test (the upstream's counts start at zero)."""
    return loopback_config(upstream)


@pytest.fixture
def harness(fuzz_config: ServiceConfig) -> Iterator[Harness]:
    """A harness for the test; its apps are stopped afterwards."""
    driver = Harness(fuzz_config)
    yield driver
    driver.close()


@pytest.fixture
def app(harness: Harness) -> PypinsApp:
    """One app shared by every example of a property, so the examples meet its caches."""
    return harness.app()


# -- a listener that must never be called --------------------------------------------------


@pytest.fixture(scope="session")
def trap() -> Iterator[Trap]:
    """A listener standing for a private host a caller points ``pypiBaseUrl`` at."""
    listener = Trap()
    yield listener
    listener.close()


# -- counts ----------------------------------------------------------------------------------


@dataclass
class InputCounts:
    """Bad inputs tried per category, and the answers they got."""

    inputs: Counter[str] = field(default_factory=Counter)
    answers: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, category: str, answer: Reply | int | None) -> None:
        """Count one input of ``category`` and its answer: a reply, a status, or None
        for a connection closed without one."""
        status = answer.status if isinstance(answer, Reply) else answer
        self.inputs[category] += 1
        self.answers[category]["closed" if status is None else str(status)] += 1

    def as_dict(self) -> dict[str, Any]:
        """The counts as a JSON-ready mapping, categories sorted."""
        return {
            "total": sum(self.inputs.values()),
            "examples_per_property": EXAMPLES,
            "categories": {
                category: {
                    "inputs": self.inputs[category],
                    "answers": dict(sorted(self.answers[category].items())),
                }
                for category in sorted(self.inputs)
            },
        }


@pytest.fixture(scope="session")
def counts() -> Iterator[InputCounts]:
    """The session's input counts, written to ``test-artifacts/fuzz-counts.json`` at the end."""
    tally = InputCounts()
    yield tally
    if tally.inputs:
        ARTIFACTS.mkdir(exist_ok=True)
        text = json.dumps(tally.as_dict(), indent=2) + "\n"
        (ARTIFACTS / "fuzz-counts.json").write_text(text, encoding="utf-8")


# -- checks ----------------------------------------------------------------------------------


def check_reply(reply: Reply, scope_path: str, query: bytes, *, head: bool = False) -> None:
    """Whatever the request, the answer is documented, well formed and safe (``head``:
    the answer to a HEAD, whose body is empty)."""
    assert reply.status in DOCUMENTED_STATUSES, (reply.status, reply.body[:200])
    too_long = len(scope_path) > MAX_PATH_LENGTH or len(query) > MAX_QUERY_LENGTH
    assert (reply.status == 414) == too_long
    for name, value in reply.headers:
        assert not re.search(rb"[\x00-\x1f\x7f]", name + value), (name, value)
    if reply.status == 301:
        check_location(reply, scope_path, query)
    if not head and reply.status != 304:
        assert reply.header("content-length") == str(len(reply.body))
    # Under a badge prefix, a path that names no badge is the 404 badge.
    badge_not_found = reply.status == 404 and not_found_format(scope_path) is not None
    if reply.status != 200 and not badge_not_found:
        assert reply.media_type in {"", "text/plain"}, reply.media_type
        return
    if scope_path in SERVICE_PATHS:
        assert reply.media_type in {"text/html", "text/plain", "application/json"}
        return
    assert re.fullmatch(r'"[0-9a-f]+"', reply.header("etag") or ""), reply.header("etag")
    assert reply.header("x-content-type-options") == "nosniff"
    if reply.media_type == "image/svg+xml":
        assert reply.header("content-security-policy") == CSP
    if head:
        assert reply.body == b""
    elif reply.media_type == "image/svg+xml":
        check_svg(reply.body)
    elif reply.media_type == "image/png":
        assert reply.body.startswith(PNG_SIGNATURE)
    else:
        assert reply.media_type == "application/json", reply.media_type
        check_endpoint_json(reply.body)


def check_location(reply: Reply, scope_path: str, query: bytes) -> None:
    """A redirect points at the framework badge of the same package, on this host."""
    location = reply.header("location") or ""
    assert location.startswith("/pypi/frameworkversions/django/"), location
    # Printable ASCII only: whatever the path held stays percent-encoded.
    assert re.fullmatch(r"[\x21-\x7e]+", location), location


def check_svg(body: bytes) -> Element:
    """``body`` is a badge: strict XML, only drawing elements and safe attributes,
    character data only inside ``<text>`` and ``<title>``; returns the root."""
    lowered = body.lower()
    for needle in (b"<script", b"javascript:", b"<!", b"<?", b"<foreign", b"@import"):
        assert needle not in lowered, needle
    assert not _URL.search(body.decode("utf-8")), "an external url() reference"
    root = fromstring(body)
    assert root.tag == f"{SVG_NS}svg"
    for element in root.iter():
        assert element.tag in ELEMENTS, element.tag
        if element.tag not in TEXT_ELEMENTS:
            assert not (element.text or "").strip(), (element.tag, element.text)
        assert not (element.tail or "").strip(), (element.tag, element.tail)
        assert len(element) == 0 or element.tag not in TEXT_ELEMENTS, "markup inside a text"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            if name == "aria-label":
                assert element.tag == f"{SVG_NS}svg"
                continue
            if name == "href":
                assert _HREFS[element.tag].fullmatch(value), (element.tag, value[:100])
                continue
            pattern = ATTRIBUTE_VALUES.get(name)
            assert pattern is not None, (element.tag, name, value)
            assert pattern.fullmatch(value), (name, value)
        if element.tag == f"{SVG_NS}style":
            assert _STYLE_TEXT.fullmatch(element.text or ""), element.text
    title = root.find(f"{SVG_NS}title")
    if title is None:  # two links: each half is named by its own text, as badge-maker does
        assert root.findall(f".//{SVG_NS}a")
    else:
        assert root.get("aria-label") == (title.text or "")
    return root


def badge_texts(root: Element) -> list[str]:
    """The character data of a badge's ``<title>`` and ``<text>`` elements."""
    return [element.text or "" for element in root.iter() if element.tag in TEXT_ELEMENTS]


_ENDPOINT = openapi.build()["components"]["schemas"]["Endpoint"]


def check_endpoint_json(body: bytes) -> dict[str, Any]:
    """``body`` is a JSON badge matching the documented endpoint schema; returns it."""
    document = json.loads(body)
    assert isinstance(document, dict)
    assert set(_ENDPOINT["required"]) <= set(document) <= set(_ENDPOINT["properties"])
    for key, value in document.items():
        schema = _ENDPOINT["properties"][key]
        if "const" in schema:
            assert value == schema["const"]
        else:
            assert isinstance(value, str), (key, value)
            assert len(value) <= schema.get("maxLength", len(value))
            assert value in schema.get("enum", [value])
    return document


# -- inputs ----------------------------------------------------------------------------------

#: Characters that look like ASCII, or become it under NFKC or case folding: fullwidth
#: letters, the Kelvin sign, long s, ligatures, Cyrillic and Greek twins, dotted and
#: dotless i, one-dot leader and fullwidth dots and slashes, invisible and bidi controls.
LOOKALIKES = (
    "\uff52\uff45\uff51\uff55\uff45\uff53\uff54\uff53"  # "requests" in fullwidth letters
    "\u212a\u017f\ufb01\ufb00\u0430\u0435\u043e\u0440\u0441\u0455\u03bf\u0391"
    "\u0130\u0131\u2024\uff0e\uff0f\u2215\u2044\u2025\u2026\u00b2\u2170\u1d3f"
    "\u0301\u200b\u200d\u2060\u202e\u2066\ufeff\u00a0\u3000\u00ad"
)
#: Segments that try to climb out of the route, hide a separator or smuggle a NUL.
TRAVERSALS = (
    "..",
    ".",
    "../..",
    "..%2F..",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e",
    "%2E%2E%2F",
    "%252e%252e",
    "%2F",
    "%5C..%5C",
    "..\\..",
    "%00",
    "requests%00",
    "requests%00.png",
    "%c0%ae%c0%ae",
    "%e0%80%ae",
    "%ZZ",
    "%",
    "%%32%65",
    "....//",
    ";/..",
    "requests;.svg",
    "requests#.svg",
)
KNOWN_PACKAGES = ("requests", "Django", "zope.interface", "typing_extensions", "six", "numpy")
SEGMENT_WORDS = (
    "pypi",
    "v",
    "badge",
    "badge.svg",
    "static",
    "v1",
    "frameworkversions",
    "djversions",
    "django",
    "requests",
    "openapi.json",
    "healthz",
    "",
)
EXTENSIONS = ("", ".svg", ".png", ".json", ".SVG", ".svg.png", ".gif", ".", ".svg%00")
STYLE_VALUES = ("flat", "flat-square", "plastic", "for-the-badge", "social", "FLAT", " flat")
COLOR_VALUES = (
    "brightgreen",
    "4c1",
    "#4c1",
    "%234c1",
    "rgb(1,2,3)",
    "rgb(300,0,0)",
    "hsl(0,0%)",
    "hsla(10, 20%, 30%, .5)",
    "red;background:url(http://x)",
    'red" onload="alert(1)',
    "url(javascript:alert(1))",
    "expression(alert(1))",
    "javascript:alert(1)",
    "currentColor",
    "inherit",
    "\u0440ed",
)


def segments() -> st.SearchStrategy[str]:
    """A path segment as it appears in a request target: known names, traversal
    tricks, any text percent-encoded (some separators left as they are), lookalikes
    sent raw (UTF-8 bytes in the target), valid names, very long names."""
    unicode_text = st.text(st.characters(codec="utf-8"), max_size=40)
    lookalike = st.text(st.sampled_from(LOOKALIKES + "requestsdjango.-_"), min_size=1, max_size=20)
    encoded = st.builds(
        quote, unicode_text | lookalike, safe=st.sampled_from(["", "/", "%", ".-_~", "/?#"])
    )
    return st.one_of(
        st.sampled_from(KNOWN_PACKAGES),
        st.sampled_from(TRAVERSALS),
        encoded,
        lookalike,
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,30}[A-Za-z0-9]", fullmatch=True),
        st.builds("".join, st.lists(st.sampled_from(TRAVERSALS + KNOWN_PACKAGES), max_size=4)),
        st.integers(150, 2100).map(lambda n: "a" * n),
    )


def badge_targets(package: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Request targets of every badge route shape, with ``package`` in the package's place."""
    shields = st.sampled_from(sorted(KINDS))
    legacy = st.sampled_from(sorted(LEGACY_KINDS))
    frameworks = st.sampled_from([*sorted(FRAMEWORKS), "awscdk", "nope"])
    extension = st.sampled_from(EXTENSIONS)
    version = st.sampled_from(["1.0", "2.31.0", "0", "1.0rc1", "..", "%2e", "1.0%00"])
    return st.one_of(
        st.builds("/pypi/{}/{}{}".format, shields, package, extension),
        st.builds("/pypi/{}/{}/{}{}".format, shields, package, version, extension),
        st.builds("/pypi/frameworkversions/{}/{}{}".format, frameworks, package, extension),
        st.builds("/{}/{}/badge{}".format, legacy, package, extension),
        st.builds("/badge/{}{}".format, package, extension),
    )


def queries() -> st.SearchStrategy[str]:
    """Query strings: common or random keys, random values, bare keys, odd separators,
    one field repeated up to 120 times, undelimited text."""
    common = st.sampled_from(
        [
            "style",
            "label",
            "color",
            "labelColor",
            "colorA",
            "colorB",
            "cacheSeconds",
            "maxAge",
            "pypiBaseUrl",
            "include_prereleases",
            "period",
            "text",
            "message",
            "scale",
            "logo",
        ]
    )
    keys = common | st.text(max_size=12)
    values = st.text(max_size=40)
    pair = st.builds(
        lambda key, value, bare: (
            quote(key, safe="") + ("" if bare else "=" + quote(value, safe=""))
        ),
        keys,
        values,
        st.booleans(),
    )
    separator = st.sampled_from(["&", "&&", ";", "&amp;"])
    return st.one_of(
        st.builds(lambda pairs, sep: sep.join(pairs), st.lists(pair, max_size=12), separator),
        st.builds(lambda one, n: "&".join([one] * n), pair, st.integers(2, 120)),
        st.text(st.characters(codec="utf-8"), max_size=60).map(lambda raw: quote(raw, safe="=&")),
    )


def split_target(target: str | bytes) -> tuple[bytes, str, bytes]:
    """A target as bytes, with the path a server would decode and the raw query."""
    raw = target if isinstance(target, bytes) else target.encode("utf-8")
    scope = scope_for(raw)
    return raw, scope["path"], scope["query_string"]
