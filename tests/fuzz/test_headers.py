"""Bad headers and methods: random validators, Accept, huge and repeated headers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pypins.web.asgi import PypinsApp
from tests.fuzz.conftest import FUZZ, Harness, InputCounts, check_reply, split_target

TARGETS = (
    "/pypi/v/requests.svg",
    "/pypi/l/django.json",
    "/pypi/wheel/six.png",
    "/v/requests/badge.svg",
    "/badge/a-b-c.svg",
    "/pypi/v/not-a-package-at-all.svg",
    "/pypi/v/%00.svg",
    "/nothing/here",
    "/",
    "/healthz",
    "/openapi.json",
)

_BYTES = st.binary(max_size=64)
_TOKEN = st.from_regex(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}", fullmatch=True)
_ETAGISH = st.one_of(
    st.sampled_from([b"*", b"W/*", b'""', b'W/""', b",,,", b" * ", b'"', b"W/"]),
    st.builds(lambda b: b'"' + b + b'"', st.binary(max_size=30)),
    _BYTES,
)


def _matches(values: list[bytes], etag: bytes) -> bool:
    """Whether ``If-None-Match`` (its first field, as the app reads it) names ``etag``."""
    if not values:
        return False
    first = values[0].strip()
    return first == b"*" or any(
        part.strip().removeprefix(b"W/") == etag for part in first.split(b",")
    )


@FUZZ
@given(
    target=st.sampled_from(TARGETS),
    validators=st.lists(_ETAGISH, max_size=3),
    include_real=st.booleans(),
    others=st.lists(
        st.tuples(_TOKEN.map(bytes.lower), _BYTES)
        | st.tuples(st.sampled_from([b"accept", b"accept-encoding", b"host", b"range"]), _BYTES),
        max_size=8,
    ),
    huge=st.sampled_from([0, 8 * 1024, 256 * 1024]),
)
def test_headers(
    *,
    harness: Harness,
    app: PypinsApp,
    counts: InputCounts,
    target: str,
    validators: list[bytes],
    include_real: bool,
    others: list[tuple[bytes, bytes]],
    huge: int,
) -> None:
    """Random validators, Accept values and huge headers: a documented answer; 304 only
    for a validator naming the current ETag."""
    raw, path, query = split_target(target)
    etag = harness.request(app, raw).header("etag")
    if include_real and etag is not None:
        validators = [b"W/" + etag.encode() + b", " + b", ".join(validators), *validators]
    headers = [(b"if-none-match", value) for value in validators] + others
    if huge:
        headers.append((b"x-huge", b"x" * huge))
    reply = harness.request(app, raw, headers=headers)
    counts.add("headers", reply)
    check_reply(reply, path, query)
    expect_304 = etag is not None and _matches(validators, etag.encode())
    assert (reply.status == 304) == expect_304
    if reply.status == 304:
        assert reply.body == b""
        assert reply.header("etag") == etag


@FUZZ
@given(
    target=st.sampled_from(TARGETS),
    method=st.one_of(
        st.sampled_from(["GET", "HEAD"]),
        st.sampled_from(["POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "get", "Get"]),
        _TOKEN.map(bytes.decode),
    ),
)
def test_methods(
    harness: Harness, app: PypinsApp, counts: InputCounts, target: str, method: str
) -> None:
    """GET and HEAD are answered alike (HEAD without a body); any other method is a 405."""
    raw, path, query = split_target(target)
    reply = harness.request(app, raw, method=method)
    counts.add("methods", reply)
    check_reply(reply, path, query, head=method == "HEAD")
    if method not in {"GET", "HEAD"}:
        assert reply.status == 405
        assert reply.header("allow") == "GET, HEAD"
        return
    assert reply.status != 405
    if method == "HEAD":
        full = harness.request(app, raw)
        assert reply.body == b""
        assert reply.status == full.status
        assert reply.header("content-length") == full.header("content-length")
