"""Bad query strings: random fields, styles, colours, scales, lifetimes and registries."""

from __future__ import annotations

import itertools
import re
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from pypins.render._text import _capitalize as capitalize
from pypins.render._text import clean
from pypins.web.asgi import PypinsApp
from pypins.web.http import DEFAULT_LIFETIMES, MAX_LIFETIME
from pypins.web.pipeline import MAX_QUERY_TEXT
from tests.fuzz.conftest import (
    COLOR_VALUES,
    FUZZ,
    STYLE_VALUES,
    Harness,
    InputCounts,
    Trap,
    badge_texts,
    check_endpoint_json,
    check_reply,
    check_svg,
    queries,
    split_target,
)
from tests.support.upstream import Upstream

#: Badge routes (without their extension) of packages the loopback upstream knows, so
#: that answers are real badges, and of static badges.
STEMS = (
    "/pypi/v/requests",
    "/pypi/l/django",
    "/pypi/pyversions/numpy",
    "/pypi/dm/django",
    "/pypi/frameworkversions/django/django-filter",
    "/pypi/v/requests/2.31.0",
    "/v/requests/badge",
    "/d/django/badge",
    "/badge/build-passing-brightgreen",
    "/static/v1",
)
ROUTES = st.builds("{}.{}".format, st.sampled_from(STEMS), st.sampled_from(["svg", "png", "json"]))
_FRESH = itertools.count()


@FUZZ
@given(route=ROUTES, query=queries())
def test_query_strings(
    harness: Harness, app: PypinsApp, counts: InputCounts, route: str, query: str
) -> None:
    """Random keys and values, repeated keys and hundreds of fields get a documented answer."""
    raw, path, raw_query = split_target(f"{route}?{query}")
    reply = harness.request(app, raw)
    counts.add("query-strings", reply)
    check_reply(reply, path, raw_query)


@FUZZ
@given(
    stem=st.sampled_from(STEMS),
    key=st.sampled_from(["style", "color", "labelColor", "colorA", "colorB", "scale", "logo"]),
    value=st.sampled_from(STYLE_VALUES + COLOR_VALUES) | st.text(max_size=30),
    extension=st.sampled_from(["svg", "json"]),
)
def test_styles_colours_and_scales(
    *,
    harness: Harness,
    app: PypinsApp,
    counts: InputCounts,
    stem: str,
    key: str,
    value: str,
    extension: str,
) -> None:
    """Invalid styles, colours and scales are error badges or ignored, never markup."""
    target = f"{stem}.{extension}?{key}={quote(value, safe='')}"
    if stem.startswith("/static/"):
        target += "&message=m"
    raw, path, query = split_target(target)
    reply = harness.request(app, raw)
    counts.add("styles-colours-scales", reply)
    check_reply(reply, path, query)
    assert reply.status == 200
    if reply.media_type == "application/json":
        document = check_endpoint_json(reply.body)
        if key == "style" and document.get("style") is not None:
            assert document["style"] == value


@FUZZ
@given(
    route=ROUTES,
    key=st.sampled_from(["cacheSeconds", "maxAge"]),
    value=st.one_of(
        st.integers(-(10**12), 10**12).map(str),
        st.sampled_from(["", "+5", " 5", "5 ", "1e9", "0x10", "\uff15", "\u00b2", "NaN", "-0"]),
        st.text(max_size=12),
    ),
)
def test_cache_seconds(
    *, harness: Harness, app: PypinsApp, counts: InputCounts, route: str, key: str, value: str
) -> None:
    """Whatever ``cacheSeconds`` says, a badge lives between its default and a day."""
    raw, path, query = split_target(f"{route}?{key}={quote(value, safe='')}&message=m")
    reply = harness.request(app, raw)
    counts.add("cache-seconds", reply)
    check_reply(reply, path, query)
    header = reply.header("cache-control") or ""
    match = re.search(r"(?:^|, )max-age=(\d+)(?:,|$)", header)
    assert match, header
    assert min(DEFAULT_LIFETIMES.values()) <= int(match[1]) <= MAX_LIFETIME


def _registries(upstream_url: str, trap_url: str) -> st.SearchStrategy[str]:
    """``pypiBaseUrl`` values: other hosts, private addresses, other schemes, near misses."""
    hosts = [
        upstream_url,
        upstream_url + "/",
        trap_url,
        f"{trap_url}/pypi",
        "http://10.0.0.1/pypi",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:1/pypi",
        "http://0.0.0.0:1",
        "http://localhost:1/pypi",
        "https://pypi.org/pypi",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_FLUSHALL",
        "ftp://127.0.0.1/",
        "javascript:alert(1)",
        "data:text/plain,x",
        "dict://127.0.0.1:11211/stat",
        "//127.0.0.1:1/pypi",
        upstream_url.upper(),
        upstream_url + "/..",
        upstream_url + "/../admin",
        upstream_url + "%2F",
        upstream_url + "?",
        upstream_url + "#",
        " " + upstream_url,
        upstream_url.replace("http://", "http://user@"),
        upstream_url.replace("127.0.0.1", "127.1"),
        upstream_url.replace("http://", "http://" + trap_url.removeprefix("http://") + "@"),
    ]
    return st.sampled_from(hosts) | st.text(max_size=40)


@FUZZ
@given(data=st.data())
def test_registries_are_never_asked(
    *,
    harness: Harness,
    app: PypinsApp,
    upstream: Upstream,
    trap: Trap,
    counts: InputCounts,
    data: st.DataObject,
) -> None:
    """A ``pypiBaseUrl`` the operator did not allow makes no request to anyone."""
    value = data.draw(_registries(upstream.pypi_url, f"http://127.0.0.1:{trap.port}"))
    package = f"never-fetched-{next(_FRESH)}"  # a name no cache holds
    route = data.draw(st.sampled_from(["/pypi/v/{}.json", "/pypi/dm/{}.json", "/d/{}/badge.json"]))
    route = route.format(package)
    before, connections = upstream.total(), trap.connections
    raw, path, query = split_target(f"{route}?pypiBaseUrl={quote(value, safe='')}")
    reply = harness.request(app, raw)
    counts.add("registries", reply)
    check_reply(reply, path, query)
    assert trap.connections == connections
    if value and value.rstrip("/") != upstream.pypi_url:
        assert upstream.total() == before, (value, upstream.counts())
        assert check_endpoint_json(reply.body)["message"].startswith("invalid query parameter")


@FUZZ
@given(
    label=st.text(max_size=60) | st.text("ab<&", min_size=250, max_size=300),
    message=st.text(min_size=1, max_size=60) | st.text("ab<&", min_size=250, max_size=300),
    style=st.sampled_from(["", "flat", "flat-square", "plastic", "for-the-badge", "social"]),
)
def test_texts_stay_in_their_elements(
    *, harness: Harness, app: PypinsApp, counts: InputCounts, label: str, message: str, style: str
) -> None:
    """The caller's label and message appear as the badge's texts, and only there."""
    query = f"label={quote(label, safe='')}&message={quote(message, safe='')}&style={style}"
    svg = harness.request(app, f"/static/v1.svg?{query}".encode())
    data = harness.request(app, f"/static/v1.json?{query}".encode())
    counts.add("badge-texts", svg)
    counts.add("badge-texts", data)
    document = check_endpoint_json(data.body)
    shown_label, shown_message = clean(label), clean(message)
    if len(label) > MAX_QUERY_TEXT:
        assert document["message"] == "invalid query parameter: label"
        return
    assert (document["label"], document["message"]) == (shown_label, shown_message)
    root = check_svg(svg.body)
    title = badge_texts(root)[0]
    # badge-maker writes for-the-badge's texts in capitals, and social's label capitalised.
    if style == "for-the-badge":
        shown_label, shown_message = shown_label.upper(), shown_message.upper()
    elif style == "social":
        shown_label = capitalize(shown_label)
    assert shown_message in title
    assert shown_label in title


#: Markup a caller may try to plant in the builder page.
INJECTIONS = (
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "' autofocus onfocus='alert(1)",
    "</textarea><img src=x onerror=alert(1)>",
    "<!--",
    "]]><x>",
)


@FUZZ
@given(
    key=st.sampled_from(["package", "style"]),
    injection=st.sampled_from(INJECTIONS),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
)
def test_builder_page_escapes_what_it_shows(
    *,
    harness: Harness,
    app: PypinsApp,
    counts: InputCounts,
    key: str,
    injection: str,
    before: str,
    after: str,
) -> None:
    """What the badge builder echoes of ``?package=`` or ``?style=`` is never markup."""
    value = before + injection + after
    raw, path, query = split_target(f"/?{key}={quote(value, safe='')}")
    reply = harness.request(app, raw)
    counts.add("builder-page", reply)
    check_reply(reply, path, query)
    assert reply.status == 200
    assert reply.media_type == "text/html"
    page = reply.body.decode("utf-8")
    assert injection not in page
    assert value.strip() not in page or not set(value) & set("<>\"'&")
