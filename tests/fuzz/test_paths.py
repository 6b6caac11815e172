"""Bad paths: random package names, path segments, traversal, lookalikes, long URLs."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from pypins.errors import InvalidNameError
from pypins.pypi import validate_name
from pypins.routes import MAX_PATH_LENGTH, MAX_QUERY_LENGTH, BadgeRoute, parse
from pypins.web.asgi import PypinsApp
from tests.fuzz.conftest import (
    FUZZ,
    SEGMENT_WORDS,
    Harness,
    InputCounts,
    badge_targets,
    check_endpoint_json,
    check_reply,
    segments,
    split_target,
)
from tests.support.upstream import Upstream


def _is_valid_name(name: str) -> bool:
    try:
        validate_name(name)
    except InvalidNameError:
        return False
    return True


@FUZZ
@given(target=badge_targets(segments()))
def test_package_names(
    harness: Harness, app: PypinsApp, upstream: Upstream, counts: InputCounts, target: str
) -> None:
    """Any package name gets a documented answer, and one that cannot exist no fetch."""
    raw, path, query = split_target(target)
    before = upstream.total()
    reply = harness.request(app, raw)
    counts.add("package-names", reply)
    check_reply(reply, path, query)
    route = parse(path)
    if isinstance(route, BadgeRoute) and not _is_valid_name(route.package):
        assert upstream.total() == before, (path, upstream.counts())
    purge = reply.header("x-pypins-package")
    if purge is not None:
        assert isinstance(route, BadgeRoute)
        assert purge == canonicalize_name(route.package)


@FUZZ
@given(
    parts=st.lists(segments() | st.sampled_from(SEGMENT_WORDS), max_size=6),
    extension=st.sampled_from(["", ".svg", ".png", ".json", "/badge.svg", "/"]),
)
def test_path_segments(
    harness: Harness, app: PypinsApp, counts: InputCounts, parts: list[str], extension: str
) -> None:
    """Any path of any segments, traversal included, gets a documented answer."""
    raw, path, query = split_target("/" + "/".join(parts) + extension)
    reply = harness.request(app, raw)
    counts.add("path-segments", reply)
    check_reply(reply, path, query)


@FUZZ
@given(
    prefix=st.sampled_from(["/pypi/v/requests.svg", "/badge/a-b-c", "/static/v1", "/x"]),
    path_extra=st.integers(0, MAX_PATH_LENGTH + 64) | st.integers(0, 100_000),
    query_extra=st.integers(MAX_QUERY_LENGTH - 64, MAX_QUERY_LENGTH + 64) | st.integers(0, 100_000),
    filler=st.sampled_from(["a", "%41", "\u00e9", "/", "-"]),
)
def test_long_urls(
    *,
    harness: Harness,
    app: PypinsApp,
    counts: InputCounts,
    prefix: str,
    path_extra: int,
    query_extra: int,
    filler: str,
) -> None:
    """Past 2048 characters of path, or 48 KiB of query, the answer is 414, and it is
    not kept."""
    path_part = prefix + (filler * path_extra)[:path_extra]
    target = path_part + ("?label=" + "b" * query_extra if query_extra else "")
    raw, path, query = split_target(target)
    kept = len(app.hot)
    reply = harness.request(app, raw)
    counts.add("long-urls", reply)
    check_reply(reply, path, query)
    if reply.status == 414:
        assert len(app.hot) == kept


@pytest.mark.parametrize("segment", ["a%0D%0ASet-Cookie:%20x=1", "a%00b", "a%3Fb", "a%20b"])
def test_redirect_location_is_percent_encoded(harness: Harness, segment: str) -> None:
    """A redirect's ``Location`` names the same path, still percent-encoded."""
    reply = harness.request(harness.app(), f"/pypi/djversions/{segment}.svg".encode())
    location = reply.header("location") or ""
    assert reply.status == 301
    assert re.fullmatch(r"[\x21-\x3e\x40-\x7e]+", location), location  # no "?": no query
    assert unquote(location) == f"/pypi/frameworkversions/django/{unquote(segment)}.svg"


@pytest.mark.parametrize(
    ("spec", "label", "message"),
    [
        ("a%2Db-c-green", "a-b", "c"),
        ("CI%2FCD-passing-green", "CI/CD", "passing"),
        ("100%2525-done-green", "100%25", "done"),
    ],
)
def test_static_badge_parts_are_decoded_once(
    harness: Harness, spec: str, label: str, message: str
) -> None:
    """``/badge/`` splits the raw path on dashes, then decodes each part once (as shields)."""
    reply = harness.request(harness.app(), f"/badge/{spec}.json".encode())
    assert reply.status == 200
    document = check_endpoint_json(reply.body)
    assert (document["label"], document["message"]) == (label, message)
