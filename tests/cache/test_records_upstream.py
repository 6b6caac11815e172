"""Records fed by a loopback upstream that misbehaves, through the whole service: no
upstream oddity becomes a 500 or a record that is never refreshed again.

The service runs in-process on a fake clock (``BadgeService``, driven through httpx's
ASGI transport); the upstream is the loopback stand-in of ``tests/support/upstream.py``
answering, for one package, what a test injects.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from pypins.config import ServiceConfig
from pypins.web.asgi import PypinsApp
from pypins.web.service import BadgeService
from tests.support.clock import FakeClock
from tests.support.service import loopback_config
from tests.support.trap import Trap
from tests.support.upstream import FIXTURES, Upstream

HUGE = "9" * 5000
SIX = "/pypi/six/json"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(upstream: Upstream) -> ServiceConfig:
    return loopback_config(upstream, stats_rate_per_second=1000, stats_rate_per_minute=10_000)


@pytest.fixture
async def app(config: ServiceConfig, clock: FakeClock) -> AsyncIterator[PypinsApp]:
    """The service on the fake clock; stopped afterwards."""
    app = PypinsApp(BadgeService(config, clock=clock))
    app.clock = clock
    yield app
    await app.service.stop()


@pytest.fixture
async def client(app: PypinsApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pypins.test") as http:
        yield http


async def badge(client: httpx.AsyncClient, url: str) -> tuple[int, str]:
    """The status and message of a JSON badge (the message "" when it is no badge)."""
    response = await client.get(url)
    try:
        message = json.loads(response.content)["message"]
    except (ValueError, KeyError):
        message = ""
    return response.status_code, message


def six_document(**info: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / "pypi" / "six.json").read_bytes())
    changed = copy.deepcopy(document)
    changed["info"].update(info)
    return changed


@pytest.mark.parametrize(
    "etag",
    ['"a\tb"', '"a\x7fb"', '"a\x01b"', '"a\xe9b"'],
    ids=["tab", "delete", "control", "latin-1"],
)
async def test_an_unsendable_etag_never_freezes_a_record(
    app: PypinsApp, client: httpx.AsyncClient, upstream: Upstream, clock: FakeClock, etag: str
) -> None:
    """An ETag no request can carry back is dropped: every refresh reaches the upstream
    and picks up a new release; past grace the badge is still a badge, never a 500."""
    config = app.service.config
    body = json.dumps(six_document()).encode()
    upstream.inject(SIX, status=200, headers={"ETag": etag, "Last-Modified": etag}, body=body)
    assert await badge(client, "/pypi/v/six.json") == (200, "v1.17.0")
    assert upstream.count(SIX) == 1
    for refresh in range(1, 4):
        clock.advance(config.cache_ttl + 1)
        assert (await badge(client, f"/pypi/v/six.json?r={refresh}"))[0] == 200
        await app.service.sources.facts.drain()
        assert upstream.count(SIX) == 1 + refresh
    upstream.clear_faults()
    upstream.set_json(SIX, six_document(version="1.18.0"))
    clock.advance(config.cache_ttl + config.grace + 1)
    assert await badge(client, "/pypi/v/six.json?past-grace") == (200, "v1.18.0")


@pytest.mark.parametrize(
    ("info", "url", "message"),
    [
        ({"version": "1." + HUGE}, "/pypi/v/six.json", "invalid response data"),
        (
            {"classifiers": [f"Programming Language :: Python :: 3.{HUGE}"]},
            "/pypi/pyversions/six.json",
            None,
        ),
        (
            {"classifiers": [f"Framework :: Django :: 5.{HUGE}"]},
            "/pypi/frameworkversions/django/six.json",
            "Django versions are missing for six",
        ),
        ({"requires_python": f">=3.{HUGE}", "classifiers": []}, "/pypi/pyversions/six.json", None),
    ],
    ids=["version", "python-classifier", "framework-classifier", "requires-python"],
)
async def test_numbers_past_the_int_limit_are_badges(
    client: httpx.AsyncClient,
    upstream: Upstream,
    info: dict[str, Any],
    url: str,
    message: str | None,
) -> None:
    """A number no ``int()`` takes anywhere in the document: "invalid response data" for
    the release itself, the field left out elsewhere; never a 500."""
    upstream.set_json(SIX, six_document(**info))
    status, shown = await badge(client, url)
    assert status == 200
    assert HUGE[:100] not in shown
    if message is not None:
        assert shown == message
    for other in ("/pypi/wheel/six.json", "/pypi/l/six.json", "/pypi/implementation/six.json"):
        assert (await client.get(other)).status_code == 200


async def test_huge_wheel_tags_are_badges(client: httpx.AsyncClient, upstream: Upstream) -> None:
    """A wheel whose tags hold numbers past the limit leaves those tags out."""
    document = six_document()
    for file in document["urls"]:
        if file["packagetype"] == "bdist_wheel":
            file["filename"] = f"six-1.17.0-cp3{HUGE}-cp3{HUGE}t-any.whl"
    upstream.set_json(SIX, document)
    for url in ("/pypi/free-threading/six.json", "/pypi/pyversions/six.json"):
        assert (await client.get(url)).status_code == 200


@pytest.mark.parametrize(
    "count", [HUGE, "1e400", "18446744073709551616"], ids=["huge", "overflowing", "past-64-bits"]
)
async def test_download_counts_past_the_limit_are_invalid_data(
    client: httpx.AsyncClient, upstream: Upstream, count: str
) -> None:
    """pypistats counts no JSON number holds: "invalid response data"."""
    body = (
        '{"data": {"last_day": ' + count + ', "last_month": 1, "last_week": 1}, '
        '"package": "six", "type": "recent_downloads"}'
    ).encode()
    upstream.inject("/api/packages/six/recent", status=200, body=body)
    assert await badge(client, "/pypi/dd/six.json") == (200, "invalid response data")


async def test_a_simple_page_with_huge_numbers_is_a_badge(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """Versions past the limit in a Simple API page are never the highest release."""
    page = {
        "meta": {"api-version": "1.4", "_last-serial": 1},
        "name": "six",
        "project-status": {"status": "active"},
        "versions": ["1.0", "1." + HUGE],
        "files": [
            {
                "filename": f"six-1.{HUGE}.tar.gz",
                "url": "https://files.example/x",
                "hashes": {},
                "requires-python": ">=3." + HUGE,
                "upload-time": "2026-01-01T00:00:00Z",
                "yanked": False,
            }
        ],
    }
    upstream.inject(
        "/simple/six/",
        status=200,
        headers={"Content-Type": "application/vnd.pypi.simple.v1+json"},
        body=json.dumps(page).encode(),
    )
    assert await badge(client, "/pypi/project-status/six.json") == (200, "active")


@pytest.mark.parametrize(
    ("path", "url"),
    [
        (SIX, "/pypi/v/six.json"),
        ("/simple/six/", "/pypi/project-status/six.json"),
        ("/api/packages/six/recent", "/pypi/dm/six.json"),
    ],
    ids=["json-api", "simple-api", "pypistats"],
)
async def test_a_redirect_off_the_origin_is_refused(
    client: httpx.AsyncClient, upstream: Upstream, trap: Trap, path: str, url: str
) -> None:
    """The configured upstreams' redirects stay on their origin: one to another port of
    the host is "invalid response data", and that port is never dialled."""
    upstream.inject(path, status=302, headers={"Location": f"http://127.0.0.1:{trap.port}/"})
    assert await badge(client, url) == (200, "invalid response data")
    assert upstream.count(path) == 1
    assert trap.connections == 0


async def test_same_origin_redirects_still_work(
    client: httpx.AsyncClient, upstream: Upstream
) -> None:
    """PyPI's redirect of a name to its own spelling is followed."""
    assert await badge(client, "/pypi/v/django.json") == (200, "v6.1.3")
    assert upstream.counts() == {"/pypi/django/json": 1, "/pypi/Django/json": 1}
