"""Cache poisoning: no answer made for one request is ever served for another."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import (
    EXAMPLES,
    FUZZ,
    Harness,
    InputCounts,
    Reply,
    check_reply,
    split_target,
)

#: Spellings of one package and of others, percent-encoded ones included.
PACKAGES = (
    "requests",
    "Requests",
    "REQUESTS",
    "request%73",
    "django",
    "Django",
    "zope.interface",
    "zope-interface",
    "Zope_Interface",
    "six",
    "not-a-package",
)
#: Query fields that change a badge, that do not, aliases, repeats and near misses.
FIELDS = (
    "style=flat",
    "style=social",
    "style=FLAT",
    "style=for-the-badge&style=flat",
    "label=x",
    "label=",
    "label=X",
    "label=x%00",
    "color=red",
    "colorB=red",
    "color=RED",
    "color=%23e05d44",
    "labelColor=blue",
    "colorA=blue",
    "cacheSeconds=100000",
    "maxAge=100000",
    "cacheSeconds=x",
    "include_prereleases",
    "include_prereleases=0",
    "include_prereleases=true",
    "period=day",
    "period=week",
    "text=version",
    "text=Version",
    "message=m",
    "unknown=1",
)


def _targets() -> st.SearchStrategy[str]:
    """Requests made to collide: spellings of few names, aliases, repeated fields."""
    package = st.sampled_from(PACKAGES)
    fmt = st.sampled_from(["svg", "json", "png"])
    path = st.one_of(
        st.builds(
            "/pypi/{}/{}.{}".format,
            st.sampled_from(["v", "l", "dm", "wheel", "types"]),
            package,
            fmt,
        ),
        st.builds("/pypi/v/{}/{}.{}".format, package, st.sampled_from(["2.31.0", "5.0"]), fmt),
        st.builds("/{}/{}/badge.{}".format, st.sampled_from(["v", "d", "license"]), package, fmt),
        st.builds(
            "/pypi/frameworkversions/{}/{}.{}".format,
            st.sampled_from(["django", "plone"]),
            package,
            fmt,
        ),
        st.builds(
            "/badge/{}.{}".format, st.sampled_from(["a-b-c", "a%2Db-c", "a--b-c", "x-y"]), fmt
        ),
        st.builds("/static/v1.{}".format, fmt),
    )
    query = st.lists(st.sampled_from(FIELDS), max_size=4).map("&".join)
    return st.builds(lambda p, q: f"{p}?{q}" if q else p, path, query)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 5))
@given(targets=st.lists(_targets(), min_size=2, max_size=12))
def test_no_answer_lands_under_another_request(
    harness: Harness, counts: InputCounts, targets: list[str]
) -> None:
    """After any sequence of requests, each got (and the caches hold) what a fresh app
    answers for that request alone, and requests served one cache entry agree."""
    app = harness.app()
    replies: list[tuple[bytes, Reply]] = []
    for target in targets:
        raw, path, query = split_target(target)
        reply = harness.request(app, raw)
        counts.add("cache-sequences", reply)
        check_reply(reply, path, query)
        replies.append((raw, reply))
    served_by: dict[int, list[bytes]] = {}
    requests_by_key: dict[tuple[object, bytes], bytes] = {}
    for raw, reply in replies:
        alone = harness.alone(raw)
        assert (reply.status, reply.media_type, reply.body) == (
            alone.status,
            alone.media_type,
            alone.body,
        ), raw
        served_by.setdefault(id(reply.sent), []).append(raw)
        raw_path, path, query = split_target(raw)
        # The hot index is keyed by the decoded or the raw path (and the raw query).
        requests_by_key[path, query] = requests_by_key[raw_path.partition(b"?")[0], query] = raw
    for same_entry in served_by.values():
        assert len({harness.alone(raw).body for raw in same_entry}) == 1, same_entry
    for key, served in app.hot.items():
        assert harness.alone(requests_by_key[key]).body == served.response.body, key
    for key, served in app.service.pipeline.rendered.items():
        sharing = served_by.get(id(served.response.headers))
        assert sharing, key
        assert {harness.alone(raw).body for raw in sharing} == {served.response.body}, key
    harness.stop(app)


def test_spellings_of_one_badge_share_one_rendering(harness: Harness, counts: InputCounts) -> None:
    """Two spellings of one badge are answered from one rendering; another label is
    another badge, the one a fresh app gives."""
    app = harness.app()
    first = harness.request(app, b"/pypi/v/request%73.svg")
    second = harness.request(app, b"/pypi/v/requests.svg")
    third = harness.request(app, b"/pypi/v/requests.svg?label=" + quote("<x>").encode())
    for reply in (first, second, third):
        counts.add("cache-sequences", reply)
    assert first.sent is second.sent
    assert third.body != second.body
    assert harness.alone(b"/pypi/v/requests.svg?label=%3Cx%3E").body == third.body
