"""deploy/nginx/pypins.conf on a real nginx, in front of a real ``pypins serve``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.deploy.conftest import Relay
from tests.support.nginx import CONF, Nginx, NginxError, render_conf
from tests.support.service import Service
from tests.support.upstream import Upstream

BADGE = "/pypi/v/requests.svg"
#: The s-maxage (seconds) the relay gives pypins' answers in the expiry tests.
SHORT_TTL = 2
STALE = {"STALE", "UPDATING"}


@pytest.fixture
def client(nginx: Nginx) -> Iterator[httpx.Client]:
    """An HTTP client for the nginx in front of pypins."""
    with httpx.Client(base_url=nginx.url, timeout=10, trust_env=False) as session:
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
    assert first.headers["x-cache-status"] == "MISS"
    # nginx keeps expiry times in whole seconds: the badge may stay fresh up to 1 s more.
    time.sleep(SHORT_TTL + 1.2)
    return first


def test_rendered_config_is_accepted(nginx_binary: str) -> None:
    """``nginx -t`` accepts the shipped snippet as the harness renders it."""
    proxy = Nginx(backend_port=8000, nginx=nginx_binary)
    try:
        done = proxy.test_config()
    finally:
        proxy.close()
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_rendering_refuses_a_snippet_without_its_tokens() -> None:
    """The harness fails loudly when the values it replaces were respelled in the snippet."""
    source = CONF.read_text(encoding="utf-8")
    with pytest.raises(NginxError, match="listen 80"):
        render_conf(
            source.replace("listen 80;", "listen 8080;"), backend="b", cache_dir="c", port=1
        )


def test_miss_then_hit(client: httpx.Client, relay: Relay, nginx: Nginx) -> None:
    """The first request is a MISS, the next ones HITs that pypins never sees."""
    first = client.get(BADGE)
    second = client.get(BADGE)
    head = client.head(BADGE)
    assert (first.status_code, first.headers["x-cache-status"]) == (200, "MISS")
    assert (second.status_code, second.headers["x-cache-status"]) == (200, "HIT")
    assert head.headers["x-cache-status"] == "HIT"
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert "x-pypins-package" not in second.headers
    not_modified = client.get(BADGE, headers={"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304
    assert relay.count(BADGE) == 1
    statuses = [(entry[0], entry[1] != "-") for entry in nginx.access_log() if entry[3] == BADGE]
    assert statuses == [("MISS", True), ("HIT", False), ("HIT", False), ("HIT", False)]


def test_cache_lock_sends_one_request_upstream(
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
    assert sorted(a.headers["x-cache-status"] for a in answers) == ["HIT"] * 7 + ["MISS"]
    assert relay.count("/pypi/v/django.svg") == 1
    assert upstream.count("/pypi/django/json") == 1


def test_stale_served_when_pypins_is_stopped(
    client: httpx.Client, relay: Relay, pypins: Service, nginx: Nginx
) -> None:
    """After the TTL, with pypins stopped, nginx keeps serving the stale badge."""
    first = _expire(relay, client, BADGE)
    assert pypins.stop() == 0
    answers = [client.get(BADGE) for _ in range(3)]
    assert {(a.status_code, a.content) for a in answers} == {(200, first.content)}
    statuses = [a.headers["x-cache-status"] for a in answers]
    assert set(statuses) <= STALE, (statuses, relay.seen(), nginx.access_log(), nginx.output())
    # The background refreshes reached the relay and found nobody there.
    _wait_for(lambda: relay.count(BADGE) >= 2, message=relay.seen)
    assert {s.status for s in relay.seen(BADGE)[1:]} == {0}
    # A badge never cached has nothing to fall back on.
    assert client.get("/pypi/v/django.svg").status_code == 502


def test_stale_badge_is_revalidated_in_background(client: httpx.Client, relay: Relay) -> None:
    """An expired badge is served stale at once while a conditional fetch (304) renews it."""
    first = _expire(relay, client, BADGE)
    stale = client.get(BADGE)
    assert stale.headers["x-cache-status"] in STALE
    assert stale.content == first.content
    _wait_for(lambda: relay.count(BADGE) == 2, message=relay.seen)
    refresh = relay.seen(BADGE)[1]
    assert (refresh.if_none_match, refresh.status) == (first.headers["etag"], 304)
    fresh = client.get(BADGE)
    assert (fresh.status_code, fresh.headers["x-cache-status"]) == (200, "HIT")
    assert fresh.content == first.content


def test_healthz_and_metrics_are_never_cached(
    client: httpx.Client, relay: Relay, nginx: Nginx
) -> None:
    """/healthz and /metrics always reach pypins; /metrics only from this machine."""
    for _ in range(2):
        health = client.get("/healthz")
        assert (health.status_code, health.text) == (200, "ok\n")
        assert "x-cache-status" not in health.headers
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert "pypins_badge_requests_total" in metrics.text
        assert "x-cache-status" not in metrics.headers
    assert relay.count("/healthz") == 2
    assert relay.count("/metrics") == 2
    assert client.post(BADGE).status_code == 403  # only GET and HEAD go on
    outsider = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=nginx.url, transport=outsider, trust_env=False) as other:
        assert other.get("/metrics").status_code == 403
        assert other.get(BADGE).status_code == 200
    assert relay.count("/metrics") == 2
