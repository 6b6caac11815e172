"""The helpers the two clients share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from pypins.client import _http
from pypins.client._http import check_status, retry_after
from pypins.errors import HTTPError, InvalidNameError, UpstreamUnavailableError


@pytest.mark.parametrize(
    ("base", "version", "url"),
    [
        ("https://pypi.org/pypi", None, "https://pypi.org/pypi/Demo/json"),
        ("https://pypi.org/pypi/", None, "https://pypi.org/pypi/Demo/json"),
        ("https://pypi.org/pypi", "1.0", "https://pypi.org/pypi/Demo/1.0/json"),
        ("http://mirror.local/api/", "2!1.0+x", "http://mirror.local/api/Demo/2!1.0+x/json"),
    ],
)
def test_project_url(base: str, version: str | None, url: str) -> None:
    """JSON API URLs keep the name as given and join the base once."""
    assert _http.project_url(base, "Demo", version) == url


def test_project_url_refuses_bad_parts() -> None:
    """Bad names and versions never reach a URL."""
    with pytest.raises(InvalidNameError):
        _http.project_url("https://pypi.org/pypi", "a/b")
    with pytest.raises(InvalidNameError):
        _http.project_url("https://pypi.org/pypi", "a", "../b")


def test_stats_url() -> None:
    """The stats URL uses the PEP 503 name."""
    assert (
        _http.stats_url("https://pypistats.org/", "Typing_Extensions")
        == "https://pypistats.org/api/packages/typing-extensions/recent"
    )


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 11, 21, 13, 52, 18, tzinfo=UTC), "Sat, 21 Nov 2026 13:52:18 GMT"),
        (datetime(2026, 11, 21, 13, 52, 18), "Sat, 21 Nov 2026 13:52:18 GMT"),
        (
            datetime(2026, 11, 21, 15, 52, 18, tzinfo=timezone(timedelta(hours=2))),
            "Sat, 21 Nov 2026 13:52:18 GMT",
        ),
        ("Sat, 21 Nov 2026 13:52:18 GMT", "Sat, 21 Nov 2026 13:52:18 GMT"),
    ],
)
def test_http_date(moment: datetime | str, text: str) -> None:
    """If-Modified-Since values are HTTP dates in GMT."""
    assert _http.http_date(moment) == text


def head(status: int = 200, headers: dict[str, str] | None = None) -> _http.ResponseHead:
    """A response head with case-insensitive headers, as both clients give them."""
    return _http.ResponseHead(
        status, "", "https://pypi.example/pypi/x/json", httpx.Headers(headers or {})
    )


def test_validators_read_the_headers() -> None:
    """ETag, Last-Modified and a numeric X-PyPI-Last-Serial are read."""
    found = head(headers={"ETag": '"a"', "Last-Modified": "x", "X-PyPI-Last-Serial": " 12 "})
    assert _http.validators(found) == _http.Validators('"a"', "x", 12)
    assert _http.validators(head()) == _http.Validators()


@pytest.mark.parametrize(
    ("status", "reason", "phrase"),
    [(404, "", "Not Found"), (404, "Gone Fishing", "Gone Fishing"), (599, "", "Unknown Status")],
)
def test_reason_phrase(status: int, reason: str, phrase: str) -> None:
    """The reason phrase as sent, else the standard one, else "Unknown Status"."""
    assert _http.ResponseHead(status, reason, "http://x/", {}).reason_phrase == phrase


def test_body_collector_deadline() -> None:
    """A body still arriving after the deadline raises UpstreamUnavailableError."""
    collector = _http.BodyCollector("http://x/", limit=100, deadline=0.0)
    with pytest.raises(UpstreamUnavailableError, match="did not finish"):
        collector.add(b"x")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("120", 120.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("999999999", 86400.0),
        ("Sat, 21 Nov 2026 12:01:00 GMT", 60.0),
        ("Sat, 21 Nov 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("١٢", None),
    ],
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    """Delay-seconds or an HTTP date, bounded to [0, a day]; anything else is unknown."""
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert retry_after(value, now=now) == seconds


def test_check_status_carries_retry_after() -> None:
    """A 429's Retry-After reaches the HTTPError."""
    with pytest.raises(HTTPError) as caught:
        check_status(head(429, {"Retry-After": "30"}))
    assert caught.value.retry_after == 30.0
    assert caught.value.url == "https://pypi.example/pypi/x/json"


@pytest.mark.parametrize(
    ("url", "origin", "rest"),
    [
        ("https://pypi.org/pypi/x/json", "https://pypi.org", "/pypi/x/json"),
        ("http://127.0.0.1:81/a?b=1", "http://127.0.0.1:81", "/a?b=1"),
        ("https://pypi.org", "https://pypi.org", ""),
        ("no-scheme/x", "no-scheme/x", ""),
    ],
)
def test_split_origin(url: str, origin: str, rest: str) -> None:
    assert _http.split_origin(url) == (origin, rest)
