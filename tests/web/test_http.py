"""Cache lifetimes, validators and prepared responses as pure functions."""

from __future__ import annotations

import pytest

from pypins.web.http import (
    DEFAULT_LIFETIMES,
    MAX_LIFETIME,
    cache_control,
    etag_matches,
    header,
    lifetime,
    prepare,
    strong_etag,
)


@pytest.mark.parametrize(
    ("category", "requested", "expected"),
    [
        ("version", None, DEFAULT_LIFETIMES["version"]),
        ("version", 10, DEFAULT_LIFETIMES["version"]),
        ("version", 3600, 3600),
        ("metadata", 10**9, MAX_LIFETIME),
        ("error", None, DEFAULT_LIFETIMES["error"]),
        ("no-such-category", None, DEFAULT_LIFETIMES["metadata"]),
    ],
)
def test_lifetime_may_only_be_raised(category: str, requested: int | None, expected: int) -> None:
    """``cacheSeconds`` lengthens a lifetime up to a day and never shortens it."""
    assert lifetime(category, requested) == expected


def test_cache_control_parts() -> None:
    """Cache-Control carries max-age, s-maxage and the grace directives."""
    assert cache_control(300) == b"public, max-age=300"
    assert cache_control(300, shared_max_age=600, grace=3600) == (
        b"public, max-age=300, s-maxage=600, stale-while-revalidate=3600, stale-if-error=3600"
    )


def test_strong_etag_is_quoted_and_stable() -> None:
    """The ETag is a quoted digest of the body, equal for equal bodies."""
    tag = strong_etag(b"body")
    assert tag.startswith(b'"')
    assert tag.endswith(b'"')
    assert tag == strong_etag(b"body") != strong_etag(b"other")


@pytest.mark.parametrize(
    ("if_none_match", "matches"),
    [
        (b'"abc"', True),
        (b'W/"abc"', True),
        (b'"x", "abc"', True),
        (b"*", True),
        (b'"abcd"', False),
        (b"", False),
    ],
)
def test_etag_matches(if_none_match: bytes, matches: bool) -> None:
    """If-None-Match matches by strong or weak comparison, lists and ``*``."""
    assert etag_matches(if_none_match, b'"abc"') is matches


def test_prepare_builds_messages_once() -> None:
    """A prepared response has its ASGI messages, its ETag and a 304 form without a body."""
    response = prepare(200, b"<svg/>", b"image/svg+xml", cache=b"public, max-age=1")
    assert response.start_message() == {
        "type": "http.response.start",
        "status": 200,
        "headers": response.headers,
    }
    assert header(response.headers, b"content-length") == b"6"
    assert header(response.headers, b"etag") == response.etag
    assert response.body_message() == {"type": "http.response.body", "body": b"<svg/>"}
    assert response._not_modified is None  # made only when first asked for
    not_modified = response.not_modified_message()
    assert not_modified["status"] == 304
    names = {name for name, _ in not_modified["headers"]}  # type: ignore[attr-defined]
    assert b"content-length" not in names
    assert b"etag" in names
    assert response.not_modified_message() is not_modified
    # The 304 reuses the 200's header tuples rather than copies of them.
    assert all(
        any(kept is item for item in response.headers)
        for kept in not_modified["headers"]  # type: ignore[attr-defined]
    )
    assert response.size > len(b"<svg/>")


def test_prepare_without_etag() -> None:
    """Responses that opt out of an ETag have none (the app then never answers 304)."""
    response = prepare(404, b"nope", b"text/plain", with_etag=False)
    assert response.etag is None
    assert header(response.headers, b"etag") is None


def test_prepared_responses_share_common_header_tuples() -> None:
    """Header tuples alike in many responses are one object, kept once in memory."""
    first = prepare(200, b"<svg>1</svg>", b"image/svg+xml", cache=b"public, max-age=60")
    second = prepare(200, b"<svg>2</svg>", b"image/svg+xml", cache=b"public, max-age=60")
    shared = [a for a, b in zip(first.headers, second.headers, strict=True) if a is b]
    assert [name for name, _ in shared] == [b"content-type", b"content-length", b"cache-control"]
    assert header(first.headers, b"etag") != header(second.headers, b"etag")
