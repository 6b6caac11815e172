"""The loopback upstream itself: routes, counts, faults and run-time documents."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.upstream import NOT_FOUND_BODY, Upstream, derive_release_document

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def web(upstream: Upstream) -> Iterator[httpx.Client]:
    """A plain HTTP client on the upstream that does not follow redirects."""
    with httpx.Client(base_url=upstream.url, timeout=5) as client:
        yield client


def test_project_document_with_validators(web: httpx.Client) -> None:
    """A project answer is JSON with ETag, Last-Modified and X-PyPI-Last-Serial."""
    response = web.get("/pypi/requests/json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["info"]["name"] == "requests"
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"] == "Thu, 14 May 2026 19:25:27 GMT"
    assert response.headers["X-PyPI-Last-Serial"] == str(response.json()["last_serial"])


def test_unknown_paths_and_names_are_404(web: httpx.Client) -> None:
    """Unknown names, versions and paths answer PyPI's 404 body."""
    for path in (
        "/pypi/nope/json",
        "/pypi/requests/0.0.0.0.1/json",
        "/nowhere",
        "/pypi/_index/json",
    ):
        response = web.get(path)
        assert response.status_code == 404, path
        assert response.content == NOT_FOUND_BODY


def test_non_canonical_names_redirect(web: httpx.Client) -> None:
    """Other spellings of a name redirect (301) to the project's own spelling."""
    response = web.get("/pypi/django/json")
    assert response.status_code == 301
    assert response.headers["Location"] == "/pypi/Django/json"
    response = web.get("/pypi/DJANGO/6.1.3/json")
    assert response.headers["Location"] == "/pypi/Django/6.1.3/json"


def test_redirects_can_be_switched_off() -> None:
    """With redirect_noncanonical=False every spelling is served directly."""
    with Upstream(redirect_noncanonical=False) as upstream:
        response = httpx.get(f"{upstream.pypi_url}/DJANGO/json")
        assert response.status_code == 200
        assert response.json()["info"]["name"] == "Django"


def test_per_version_documents_are_derived(web: httpx.Client, pypi_document: Any) -> None:
    """A per-version document has that version's info and files, and no releases."""
    document = web.get("/pypi/requests/2.32.0/json").json()
    project = pypi_document("requests")
    assert document["info"]["version"] == "2.32.0"
    assert document["info"]["yanked"] is True
    assert document["info"]["yanked_reason"]
    assert document["urls"] == project["releases"]["2.32.0"]
    assert "releases" not in document
    assert document["vulnerabilities"] == []
    latest = web.get("/pypi/ecdsa/0.19.2/json").json()
    assert latest["vulnerabilities"] == pypi_document("ecdsa")["vulnerabilities"]


def test_per_version_lookup_by_version_equality(pypi_document: Any) -> None:
    """``2.32.0.0`` finds release ``2.32.0`` (PEP 440 equality); empty releases work too."""
    project = pypi_document("requests")
    derived = derive_release_document(project, "2.32.0.0")
    assert derived is not None
    assert derived["info"]["version"] == "2.32.0"
    assert derive_release_document(project, "not a version") is None
    empty = next(rid for rid, files in project["releases"].items() if not files)
    assert derive_release_document(project, empty)["urls"] == []  # type: ignore[index]


def test_feeds_and_stats(web: httpx.Client) -> None:
    """Both feeds and the stats API are served from the fixtures."""
    assert b"<title>PyPI recent updates</title>" in web.get("/rss/updates.xml").content
    assert b"added to PyPI" in web.get("/rss/packages.xml").content
    stats = web.get("/api/packages/requests/recent").json()
    assert stats["type"] == "recent_downloads"
    assert stats["package"] == "requests"
    assert set(stats["data"]) == {"last_day", "last_week", "last_month"}
    day = web.get("/api/packages/requests/recent", params={"period": "day"}).json()
    assert day["data"] == {"last_day": stats["data"]["last_day"]}
    assert web.get("/api/packages/nope/recent").status_code == 404


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [
        ("If-None-Match", "ETAG", 304),
        ("If-None-Match", '"other", ETAG', 304),
        ("If-None-Match", "W/ETAG", 304),
        ("If-None-Match", "*", 304),
        ("If-None-Match", '"other"', 200),
        ("If-Modified-Since", "LAST", 304),
        ("If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT", 200),
        ("If-Modified-Since", "garbage", 200),
    ],
)
def test_conditional_requests(web: httpx.Client, header: str, value: str, status: int) -> None:
    """If-None-Match and If-Modified-Since answer 304 when the document is unchanged."""
    first = web.get("/pypi/six/json")
    value = value.replace("ETAG", first.headers["ETag"]).replace(
        "LAST", first.headers["Last-Modified"]
    )
    response = web.get("/pypi/six/json", headers={header: value})
    assert response.status_code == status
    if status == 304:
        assert response.content == b""
        assert response.headers["ETag"] == first.headers["ETag"]


def test_if_none_match_wins_over_if_modified_since(web: httpx.Client) -> None:
    """A mismatching ETag means 200 even if the date matches (RFC 9110)."""
    first = web.get("/pypi/six/json")
    headers = {"If-None-Match": '"x"', "If-Modified-Since": first.headers["Last-Modified"]}
    assert web.get("/pypi/six/json", headers=headers).status_code == 200


def test_head_requests(web: httpx.Client) -> None:
    """HEAD answers the headers without a body."""
    response = web.head("/pypi/six/json")
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) > 1000
    assert response.content == b""


def test_counts(web: httpx.Client, upstream: Upstream) -> None:
    """Requests are counted per path, without the query string, and can be reset."""
    web.get("/pypi/six/json")
    web.get("/pypi/six/json")
    web.get("/api/packages/six/recent?period=day")
    assert upstream.count("/pypi/six/json") == 2
    assert upstream.count("/api/packages/six/recent") == 1
    assert upstream.count("/never") == 0
    assert upstream.total() == 3
    upstream.reset_counts()
    assert upstream.total() == 0
    assert upstream.counts() == {}


def test_counts_under_concurrency(upstream: Upstream) -> None:
    """Many concurrent connections are all served and counted."""

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    with httpx.Client(timeout=10, limits=limits) as client:

        def fetch(n: int) -> int:
            return client.get(f"{upstream.pypi_url}/synthetic-six-{n % 7}/json").status_code

        with ThreadPoolExecutor(max_workers=64) as pool:
            statuses = list(pool.map(fetch, range(300)))
    assert statuses == [200] * 300
    assert upstream.total() == 300
    assert upstream.count("/pypi/synthetic-six-0/json") == 43


def test_keep_alive(upstream: Upstream) -> None:
    """Several requests travel over one HTTP/1.1 connection."""
    connection = http.client.HTTPConnection("127.0.0.1", upstream.port, timeout=5)
    try:
        for _ in range(3):
            connection.request("GET", "/pypi/six/json")
            response = connection.getresponse()
            assert response.version == 11
            assert response.status == 200
            response.read()
        assert connection.sock is not None
    finally:
        connection.close()
    assert upstream.total() == 3


def test_status_fault_with_headers(web: httpx.Client, upstream: Upstream) -> None:
    """A status fault answers that status with the given headers and body."""
    upstream.inject("/pypi/six/json", status=503, headers={"Retry-After": "7"}, body=b"busy")
    response = web.get("/pypi/six/json")
    assert (response.status_code, response.headers["Retry-After"]) == (503, "7")
    assert response.content == b"busy"
    assert web.get("/pypi/yarg/json").status_code == 200


@pytest.mark.parametrize(
    ("pattern", "hit", "missed"),
    [
        ("*", "/pypi/six/json", None),
        ("/pypi/*", "/pypi/six/json", "/rss/updates.xml"),
        ("/pypi/six/*", "/pypi/six/1.16.0/json", "/pypi/yarg/json"),
        ("/pypi/six/json", "/pypi/six/json", "/pypi/six/1.16.0/json"),
    ],
)
def test_fault_patterns(
    web: httpx.Client, upstream: Upstream, pattern: str, hit: str, missed: str | None
) -> None:
    """Faults match an exact path, a glob, or every path."""
    upstream.inject(pattern, status=500)
    assert web.get(hit).status_code == 500
    if missed is not None:
        assert web.get(missed).status_code == 200


def test_fault_times_and_clearing(web: httpx.Client, upstream: Upstream) -> None:
    """A fault with ``times`` expires; clear_faults removes the others."""
    fault = upstream.inject("*", status=500, times=2)
    assert [web.get("/pypi/six/json").status_code for _ in range(3)] == [500, 500, 200]
    assert fault.hits == 2
    upstream.inject("*", status=500)
    upstream.clear_faults()
    assert web.get("/pypi/six/json").status_code == 200


def test_truncated_body(web: httpx.Client, upstream: Upstream) -> None:
    """``truncate`` sends a complete but cut body."""
    upstream.inject("*", truncate=10)
    response = web.get("/pypi/six/json")
    assert response.status_code == 200
    assert len(response.content) == 10
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_disconnect_mid_body(web: httpx.Client, upstream: Upstream) -> None:
    """``disconnect_after`` closes the connection mid-body."""
    upstream.inject("*", disconnect_after=10)
    with pytest.raises(httpx.RemoteProtocolError):
        web.get("/pypi/six/json")


def test_connection_reset(web: httpx.Client, upstream: Upstream) -> None:
    """``reset`` drops the connection without an answer."""
    upstream.inject("*", reset=True)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        web.get("/pypi/six/json")


def test_huge_body_is_streamed(upstream: Upstream) -> None:
    """``huge`` streams exactly that many bytes, chunked."""
    upstream.inject("*", huge=50_000_000)
    received = 0
    with (
        httpx.Client(timeout=30) as client,
        client.stream("GET", f"{upstream.pypi_url}/six/json") as response,
    ):
        assert response.headers["Transfer-Encoding"] == "chunked"
        for chunk in response.iter_raw():
            received += len(chunk)
    assert received == 50_000_000


class RecordedWaits:
    """The upstream's release event, recording each wait on it and how it ended."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event
        #: Set once a request waits (a delay or a hang under way).
        self.waiting = threading.Event()
        #: ``(timeout, released)`` of each wait: released False if the timeout ran out.
        self.waits: list[tuple[float | None, bool]] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting.set()
        released = self.event.wait(timeout)
        self.waits.append((timeout, released))
        return released

    def __getattr__(self, name: str) -> Any:
        return getattr(self.event, name)


def test_delay(web: httpx.Client, upstream: Upstream, monkeypatch: pytest.MonkeyPatch) -> None:
    """``delay`` answers normally after waiting: the answer waits out the delay."""
    waits = RecordedWaits(upstream._release_hangs)
    monkeypatch.setattr(upstream, "_release_hangs", waits)
    upstream.inject("*", delay=0.2)
    assert web.get("/pypi/six/json").status_code == 200
    assert waits.waits == [(0.2, False)]  # the whole 0.2 s: not cut short


def test_hang_until_cleared(upstream: Upstream, monkeypatch: pytest.MonkeyPatch) -> None:
    """``hang`` holds the request until faults are cleared, then drops it."""
    waits = RecordedWaits(upstream._release_hangs)
    monkeypatch.setattr(upstream, "_release_hangs", waits)
    upstream.inject("*", hang=True)
    outcome: list[BaseException | int] = []

    def fetch() -> None:
        try:
            outcome.append(httpx.get(f"{upstream.pypi_url}/six/json", timeout=10).status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=fetch)
    thread.start()
    assert waits.waiting.wait(30)  # the request hangs (30 s: only a hang lasts that long)
    time.sleep(0.2)
    assert not outcome
    upstream.clear_faults()
    thread.join(timeout=60)  # only a hang lasts that long
    assert len(outcome) == 1
    assert isinstance(outcome[0], httpx.RemoteProtocolError)


def test_hang_is_released_by_a_delay_clear(
    upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delayed request is also released (dropped) when faults are cleared."""
    waits = RecordedWaits(upstream._release_hangs)
    monkeypatch.setattr(upstream, "_release_hangs", waits)
    upstream.inject("*", delay=30)

    def clear_once_delayed() -> None:
        if waits.waiting.wait(30):
            upstream.clear_faults()

    clearing = threading.Thread(target=clear_once_delayed)
    clearing.start()
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{upstream.pypi_url}/six/json", timeout=60)
    clearing.join()
    assert waits.waits == [(30, True)]  # released, not waited out


def test_run_time_documents(web: httpx.Client, upstream: Upstream) -> None:
    """set_json, set_raw, remove_project, set_feed and set_downloads change answers."""
    upstream.set_json("/pypi/Foo/json", {"info": {"name": "Foo", "version": "1"}})
    assert web.get("/pypi/Foo/json").json()["info"]["version"] == "1"
    assert web.get("/pypi/foo/json").status_code == 301
    upstream.set_json("/pypi/Foo/1/json", {"info": {"name": "Foo", "version": "1"}, "urls": []})
    assert web.get("/pypi/Foo/1/json").json()["urls"] == []
    upstream.set_json("/custom/doc", [1, 2])
    assert web.get("/custom/doc").json() == [1, 2]
    upstream.set_raw("/pypi/six/json", b"not json")
    assert web.get("/pypi/six/json").content == b"not json"
    upstream.remove_project("yarg")
    assert web.get("/pypi/yarg/json").status_code == 404
    upstream.set_feed("packages", "<rss><channel/></rss>")
    assert web.get("/rss/packages.xml").content == b"<rss><channel/></rss>"
    upstream.set_downloads("Six", 1, 2, 3)
    assert web.get("/api/packages/six/recent").json()["data"] == {
        "last_day": 1,
        "last_week": 2,
        "last_month": 3,
    }
    upstream.reset()
    assert web.get("/pypi/yarg/json").status_code == 200
    assert web.get("/pypi/Foo/json").status_code == 404
    assert web.get("/custom/doc").status_code == 404


def test_aliases_rules_and_synthetic_names(web: httpx.Client, upstream: Upstream) -> None:
    """Aliases, rules and ``synthetic-<template>-<n>`` serve renamed templates."""
    upstream.add_alias("Pkg-123", template="requests")
    document = web.get("/pypi/Pkg-123/json").json()
    assert document["info"]["name"] == "Pkg-123"
    assert document["info"]["version"] == "2.34.2"
    upstream.add_rule(r"bench-\d+", template="six")
    assert web.get("/pypi/bench-42/json").json()["info"]["name"] == "bench-42"
    assert web.get("/pypi/synthetic-flask-9/json").json()["info"]["name"] == "synthetic-flask-9"
    assert web.get("/pypi/synthetic-nothing-9/json").status_code == 404
    names = {web.get(f"/pypi/synthetic-six-{n}/json").json()["info"]["name"] for n in range(100)}
    assert len(names) == 100


def test_answer_cache_is_bounded() -> None:
    """Rendered answers are cached up to a bound."""
    with Upstream(max_cached_answers=2) as upstream, httpx.Client() as client:
        for n in range(5):
            assert client.get(f"{upstream.pypi_url}/synthetic-six-{n}/json").status_code == 200
        assert len(upstream._rendered) <= 2


def test_stop_is_idempotent_and_releases_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """stop() can be called twice and ends hanging requests."""
    upstream = Upstream().start()
    waits = RecordedWaits(upstream._release_hangs)
    monkeypatch.setattr(upstream, "_release_hangs", waits)
    upstream.inject("*", hang=True)
    outcome: list[BaseException] = []

    def fetch() -> None:
        try:
            httpx.get(f"{upstream.pypi_url}/six/json", timeout=10)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=fetch)
    thread.start()
    assert waits.waiting.wait(30)  # the request hangs (30 s: only a hang lasts that long)
    upstream.stop()
    upstream.stop()
    thread.join(timeout=60)  # only a hang lasts that long
    assert outcome


def test_runs_standalone() -> None:
    """``python -m tests.support.upstream --port N`` serves the fixtures."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with Upstream() as probe:
        port = probe.port  # free a port we know was usable
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.upstream", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in line
        response = httpx.get(f"http://127.0.0.1:{port}/pypi/six/json", timeout=5)
        assert response.json()["info"]["name"] == "six"
    finally:
        process.terminate()
        process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
