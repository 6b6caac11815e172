"""The helpers the two clients share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from multidict import CIMultiDict

from pypins.client import _http
from pypins.client._http import check_status, retry_after
from pypins.errors import (
    HTTPError,
    InvalidNameError,
    InvalidResponseError,
    UpstreamUnavailableError,
)


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


# What an upstream controls in a head: validators, lengths, dates, statuses, redirects

#: Values an upstream may put in a header that no request can carry back unchanged.
UNSENDABLE = [
    pytest.param('"a\tb"', id="tab"),
    pytest.param('"a\x7fb"', id="delete"),
    pytest.param('"a\x01b"', id="control"),
    pytest.param('"\udce9"', id="byte-past-ascii"),
    pytest.param('"é"', id="non-ascii"),
    pytest.param('"' + "a" * _http.MAX_VALIDATOR_LENGTH + '"', id="too-long"),
    pytest.param("", id="empty"),
    pytest.param(" ", id="blank"),
]


def raw_head(headers: dict[str, str], status: int = 200) -> _http.ResponseHead:
    """A head holding header values as a client library may hand them over (aiohttp
    keeps bytes past ASCII as surrogates; no re-encoding on the way)."""
    return _http.ResponseHead(status, "", "https://pypi.example/pypi/x/json", CIMultiDict(headers))


@pytest.mark.parametrize("value", ['"abc"', 'W/"a b"', "Sat, 21 Nov 2026 13:52:18 GMT", "x"])
def test_sendable_validators_are_kept(value: str) -> None:
    """Visible ASCII with inner spaces is sent back as the upstream wrote it."""
    assert _http.sendable_validator(value) == value
    found = _http.validators(raw_head({"ETag": value, "Last-Modified": value}))
    assert (found.etag, found.last_modified) == (value, value)


@pytest.mark.parametrize("value", UNSENDABLE)
def test_unsendable_validators_are_dropped(value: str) -> None:
    """A validator a client library would refuse (or re-encode) on the way out is not
    kept, so the next request asks without it."""
    assert _http.sendable_validator(value) is None
    assert _http.validators(raw_head({"ETag": value, "Last-Modified": value})) == (
        _http.Validators()
    )


@pytest.mark.parametrize("value", UNSENDABLE)
def test_unsendable_validators_are_never_sent(value: str) -> None:
    """Given one anyway (a record kept from before), the request goes unconditional."""
    headers = _http.request_headers(None, if_none_match=value, if_modified_since=value)
    assert "If-None-Match" not in headers
    assert "If-Modified-Since" not in headers
    assert not _http.is_conditional(headers)


def test_sendable_validators_make_a_conditional_request() -> None:
    """A validator that can be sent makes the request conditional (a 304 answers it)."""
    headers = _http.request_headers(None, if_none_match='"a"', if_modified_since=None)
    assert headers["If-None-Match"] == '"a"'
    assert _http.is_conditional(headers)
    assert _http.is_conditional(_http.request_headers(None, if_modified_since=datetime.now(UTC)))


@pytest.mark.parametrize(
    ("value", "serial"),
    [
        ("12", 12),
        (" 12 ", 12),
        ("9" * _http.MAX_SERIAL_DIGITS, int("9" * _http.MAX_SERIAL_DIGITS)),
        ("9" * 5000, None),
        ("١٢", None),
        ("²", None),
        ("-1", None),
        ("1e3", None),
        ("", None),
    ],
)
def test_serials_are_plain_bounded_numbers(value: str, serial: int | None) -> None:
    """X-PyPI-Last-Serial is read when it is ASCII digits, at most a 64-bit number's."""
    assert _http.validators(raw_head({"X-PyPI-Last-Serial": value})).last_serial == serial


@pytest.mark.parametrize(
    ("declared", "refused"),
    [
        ("100", False),
        ("101", True),
        ("0000000000000000000000000100", False),
        ("9" * 5000, True),
        ("²", False),
        ("\u0661\u0660\u0661", False),
        ("-1", False),
        ("", False),
    ],
)
def test_content_length_against_the_bound(declared: str, refused: bool) -> None:
    """A declared length past the bound is refused at once, however many digits it has;
    one that is no plain number is left to the bound applied while reading."""
    if refused:
        with pytest.raises(InvalidResponseError, match="larger than 100 bytes"):
            _http.check_content_length(declared, "http://x/", 100)
    else:
        _http.check_content_length(declared, "http://x/", 100)


@pytest.mark.parametrize(
    "value",
    [
        "Sat, 21 Nov 2026 13:52:18 +" + "9" * 5000,
        "Sat, 21 Nov 99999 13:52:18 GMT",
        "Sat, 21 Nov 2026 99:99:99 GMT",
        "Sat, 31 Dec 9999 23:59:59 -2359",
        "\x00",
    ],
)
def test_retry_after_dates_out_of_range_are_unknown(value: str) -> None:
    """A date no datetime holds is no Retry-After, not an exception."""
    seconds = retry_after(value, now=datetime(2026, 11, 21, 12, 0, tzinfo=UTC))
    assert seconds is None or 0 <= seconds <= _http.MAX_RETRY_AFTER


def test_retry_after_with_thousands_of_digits_is_a_day() -> None:
    """Delay-seconds past the int-string limit read as the longest wait, a day."""
    assert retry_after("9" * 5000) == _http.MAX_RETRY_AFTER


@pytest.mark.parametrize("status", [100, 101, 102, 103, 199])
def test_an_interim_answer_is_never_the_answer(status: int) -> None:
    """A 1xx head reaching the policy is invalid data, never a body to read."""
    exchange = _http.Exchange("https://pypi.example/pypi/x/json", _http.RequestPolicy())
    exchange.next_hop()
    with pytest.raises(InvalidResponseError, match="interim status"):
        exchange.receive(raw_head({}, status))


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://pypi.org/pypi/X/json", "https://pypi.org/pypi/x/json"),
        ("https://pypi.org/pypi/X/json", "https://PyPI.org:443/pypi/x/json"),
        ("http://127.0.0.1:8080/pypi/X/json", "http://127.0.0.1:8080/simple/x/"),
        ("http://pypi.example/pypi/X/json", "https://pypi.example/pypi/x/json"),
    ],
    ids=["same", "spelled-otherwise", "same-port", "upgrade-to-https"],
)
def test_redirects_on_the_origin_are_followed(url: str, target: str) -> None:
    """The same scheme, host and port (as compared, not as written), or the https form
    of an http origin on the default ports."""
    _http.check_origin(url, target)


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("http://127.0.0.1:8080/pypi/x/json", "http://127.0.0.1:6399/"),
        ("https://pypi.org/pypi/x/json", "https://evil.example/pypi/x/json"),
        ("https://pypi.org/pypi/x/json", "http://pypi.org/pypi/x/json"),
        ("https://pypi.org/pypi/x/json", "https://pypi.org:8443/pypi/x/json"),
        ("http://pypi.example:8080/x", "https://pypi.example/x"),
        ("http://pypi.example/x", "https://pypi.example:8443/x"),
        ("http://pypi.org/x", "https://files.pythonhosted.org/x"),
        ("http://127.0.0.1/x", "http://localhost/x"),
    ],
    ids=[
        "another-port",
        "another-host",
        "downgrade",
        "another-tls-port",
        "upgrade-from-another-port",
        "upgrade-to-another-port",
        "upgrade-to-another-host",
        "another-name",
    ],
)
def test_redirects_off_the_origin_are_refused(url: str, target: str) -> None:
    """Any other origin is refused before it is asked, as invalid data."""
    with pytest.raises(InvalidResponseError, match="redirected to another origin"):
        _http.check_origin(url, target)


def test_the_policy_keeps_redirects_on_the_first_origin() -> None:
    """Hop by hop, each redirect is checked against the first URL's origin, not the
    last hop's."""
    exchange = _http.Exchange("http://127.0.0.1:8080/pypi/x/json", _http.RequestPolicy())
    assert exchange.next_hop() == "http://127.0.0.1:8080/pypi/x/json"
    assert exchange.receive(raw_head({"Location": "/pypi/X/json"}, 301)) == "redirect"
    assert exchange.next_hop() == "http://127.0.0.1:8080/pypi/X/json"
    exchange.receive(raw_head({"Location": "http://127.0.0.1:6399/"}, 302))
    with pytest.raises(InvalidResponseError, match="redirected to another origin"):
        exchange.next_hop()
