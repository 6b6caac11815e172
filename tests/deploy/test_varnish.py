"""deploy/varnish/pypins.vcl on a real varnishd, in front of a real ``pypins serve``."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.deploy.conftest import Relay
from tests.support.service import Service
from tests.support.upstream import Upstream
from tests.support.varnish import VCL, Varnish, VarnishError, render_vcl

pytestmark = pytest.mark.varnish

BADGE = "/pypi/v/requests.svg"
#: The s-maxage (seconds) the relay gives pypins' answers in the expiry tests.
SHORT_TTL = 2


@pytest.fixture
def client(varnish: Varnish) -> Iterator[httpx.Client]:
    """An HTTP client for the Varnish in front of pypins."""
    with httpx.Client(base_url=varnish.url, timeout=10, trust_env=False) as session:
        yield session


def _wait_for(
    condition: Callable[[], bool], timeout: float = 30.0, message: Callable[[], object] = str
) -> None:
    """Wait until ``condition()``; ``timeout`` only catches a hang (a busy machine is slow)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"condition not met in time: {message()}"
        time.sleep(0.05)


def _expire(relay: Relay, client: httpx.Client, path: str) -> httpx.Response:
    """Cache ``path`` with a short TTL and wait until that TTL has passed."""
    relay.shared_max_age = SHORT_TTL
    first = client.get(path)
    assert first.headers["x-cache"] == "MISS"
    time.sleep(SHORT_TTL + 0.5)
    return first


def test_shipped_vcl_compiles(varnishd: str, tmp_path: Path) -> None:
    """``varnishd -C`` accepts deploy/varnish/pypins.vcl exactly as shipped."""
    done = subprocess.run(
        [varnishd, "-C", "-j", "none", "-n", str(tmp_path), "-f", str(VCL)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_rendering_points_the_backend_at_the_test_port() -> None:
    """The harness rewrites exactly the backend's host and port, and refuses a respelled VCL."""
    source = VCL.read_text(encoding="utf-8")
    rendered = render_vcl(source, "127.0.0.2", 4321)
    assert '.host = "127.0.0.2";' in rendered
    assert '.port = "4321";' in rendered
    assert len(rendered.splitlines()) == len(source.splitlines())
    with pytest.raises(VarnishError, match="port"):
        render_vcl(source.replace('.port = "8000";', '.port = "80";'), "127.0.0.1", 1)


def test_miss_then_hit(client: httpx.Client, relay: Relay) -> None:
    """The first request is a MISS, the next ones HITs that pypins never sees."""
    first = client.get(BADGE)
    second = client.get(BADGE)
    head = client.head(BADGE)
    assert (first.status_code, first.headers["x-cache"]) == (200, "MISS")
    assert (second.status_code, second.headers["x-cache"]) == (200, "HIT")
    assert head.headers["x-cache"] == "HIT"
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert "s-maxage=300" in second.headers["cache-control"]
    assert "x-pypins-package" not in second.headers
    not_modified = client.get(BADGE, headers={"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304
    assert relay.count(BADGE) == 1


def test_one_fetch_for_concurrent_misses(
    client: httpx.Client, relay: Relay, upstream: Upstream
) -> None:
    """Eight simultaneous first requests for a slow badge make one request to pypins."""
    upstream.inject("/pypi/django/json", delay=1.0)
    start = threading.Barrier(8)

    def fetch(_: int) -> httpx.Response:
        start.wait(timeout=30)
        return client.get("/pypi/v/django.svg")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(fetch, range(8)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert sorted(a.headers["x-cache"] for a in answers) == ["HIT"] * 7 + ["MISS"]
    assert relay.count("/pypi/v/django.svg") == 1
    assert upstream.count("/pypi/django/json") == 1


def test_cache_key_ignores_tracking_order_cookies_and_host(
    client: httpx.Client, relay: Relay
) -> None:
    """utm_*/fbclid, parameter order, cookies and the Host name all share one cached badge."""
    first = client.get("/pypi/v/six.svg?style=flat-square&label=six")
    again = client.get(
        "/pypi/v/six.svg?utm_source=gh&label=six&fbclid=x&style=flat-square&utm_medium=a",
        headers={"Cookie": "session=1", "Host": "other.example"},
    )
    assert first.headers["x-cache"] == "MISS"
    assert again.headers["x-cache"] == "HIT"
    assert again.content == first.content
    badges = {path: n for path, n in relay.counts().items() if path != "/healthz"}
    assert badges == {"/pypi/v/six.svg?label=six&style=flat-square": 1}


def test_healthz_always_reaches_pypins(client: httpx.Client, relay: Relay) -> None:
    """/healthz is passed to pypins every time, never answered from cache."""
    before = relay.count("/healthz")
    answers = [client.get("/healthz") for _ in range(3)]
    assert [(a.status_code, a.text, a.headers["x-cache"]) for a in answers] == [
        (200, "ok\n", "PASS")
    ] * 3
    assert relay.count("/healthz") >= before + 3


def test_grace_when_pypins_is_stopped(client: httpx.Client, relay: Relay, pypins: Service) -> None:
    """After the TTL, with pypins stopped, Varnish keeps serving the badge from grace."""
    first = _expire(relay, client, BADGE)
    assert pypins.stop() == 0
    stale = client.get(BADGE)
    assert (stale.status_code, stale.headers["x-cache"]) == (200, "HIT-STALE")
    assert stale.content == first.content
    # The background refresh (conditional; retried once by Varnish on a fresh connection
    # when the reused one closes) found nobody and was abandoned...
    _wait_for(lambda: relay.count(BADGE) >= 2, message=relay.seen)
    refreshes = relay.seen(BADGE)[1:]
    assert {(s.if_none_match, s.status) for s in refreshes} == {(first.headers["etag"], 0)}
    # ...so the stale badge stays and is served again, not replaced by an error.
    again = client.get(BADGE)
    assert (again.status_code, again.headers["x-cache"]) == (200, "HIT-STALE")
    assert again.content == first.content
    # A badge never cached has nothing to fall back on.
    assert client.get("/pypi/v/django.svg").status_code == 503


def test_grace_when_backend_is_sick(client: httpx.Client, relay: Relay, varnish: Varnish) -> None:
    """With the backend marked sick, a stale badge is served and pypins is not even asked."""
    first = _expire(relay, client, BADGE)
    varnish.adm("backend.set_health", "boot.pypins", "sick")
    assert "sick" in varnish.adm("backend.list", "boot.pypins")
    stale = client.get(BADGE)
    assert (stale.status_code, stale.headers["x-cache"]) == (200, "HIT-STALE")
    assert stale.content == first.content
    assert client.get("/pypi/v/django.svg").status_code == 503
    time.sleep(0.3)
    assert relay.count(BADGE) == 1
    assert relay.count("/pypi/v/django.svg") == 0


def test_stale_badge_is_revalidated_in_background(client: httpx.Client, relay: Relay) -> None:
    """An expired badge is served stale once while a conditional fetch (304) renews it."""
    first = _expire(relay, client, BADGE)
    stale = client.get(BADGE)
    assert (stale.status_code, stale.headers["x-cache"]) == (200, "HIT-STALE")
    _wait_for(lambda: relay.count(BADGE) == 2)
    refresh = relay.seen(BADGE)[1]
    assert (refresh.if_none_match, refresh.status) == (first.headers["etag"], 304)
    fresh = client.get(BADGE)
    assert (fresh.status_code, fresh.headers["x-cache"]) == (200, "HIT")
    assert fresh.content == first.content


def test_purge_bans_every_badge_of_one_package(
    client: httpx.Client, relay: Relay, varnish: Varnish
) -> None:
    """PURGE /pypi-package/<name> refetches all that package's badges, and only those."""
    purged = ["/pypi/v/requests.svg", "/pypi/l/requests.svg", "/pypi/v/Requests.json"]
    kept = ["/pypi/v/django.svg", "/pypi/l/django.svg"]
    for path in purged + kept:
        assert client.get(path).headers["x-cache"] == "MISS"
        assert client.get(path).headers["x-cache"] == "HIT"
    ban = client.request("PURGE", "/pypi-package/Requests")
    assert ban.status_code == 200
    assert ban.reason_phrase == "Banned requests"
    assert "obj.http.X-Pypins-Package == requests" in varnish.adm("ban.list")
    assert {path: client.get(path).headers["x-cache"] for path in purged + kept} == {
        **dict.fromkeys(purged, "MISS"),
        **dict.fromkeys(kept, "HIT"),
    }
    assert {path: relay.count(path) for path in purged + kept} == {
        **dict.fromkeys(purged, 2),
        **dict.fromkeys(kept, 1),
    }


def test_purge_refusals_and_single_urls(
    client: httpx.Client, relay: Relay, varnish: Varnish
) -> None:
    """PURGE refuses bad names (400) and other hosts (403); a badge URL drops that URL only."""
    assert client.request("PURGE", "/pypi-package/a&&b").status_code == 400
    outsider = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=varnish.url, transport=outsider, trust_env=False) as other:
        assert other.request("PURGE", "/pypi-package/six").status_code == 403
    for path in ("/pypi/v/six.svg", "/pypi/l/six.svg"):
        client.get(path)
    assert client.request("PURGE", "/pypi/v/six.svg?utm_source=x").status_code == 200
    assert client.get("/pypi/v/six.svg").headers["x-cache"] == "MISS"
    assert client.get("/pypi/l/six.svg").headers["x-cache"] == "HIT"
    assert relay.count("/pypi/v/six.svg") == 2
