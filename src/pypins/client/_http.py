"""What the sync and async clients share: URLs, headers, status and error mapping."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus

import httpx

from pypins.client._models import JSONDocument, Package, Validators
from pypins.client._names import normalize_name, validate_name, validate_version
from pypins.client._parse import load_object, parse_package
from pypins.errors import HTTPError, InvalidResponseError, UpstreamUnavailableError
from pypins.settings import user_agent

#: Redirects followed before giving up (PyPI redirects non-canonical names once).
DEFAULT_MAX_REDIRECTS = 5

#: The Accept header of feed requests.
RSS_ACCEPT = "application/rss+xml, application/xml;q=0.9, */*;q=0.1"


def project_url(pypi_url: str, name: str, version: str | None = None) -> str:
    """``<pypi_url>/<name>/json`` or ``<pypi_url>/<name>/<version>/json``, names checked."""
    base = pypi_url.rstrip("/")
    validate_name(name)
    if version is None:
        return f"{base}/{name}/json"
    return f"{base}/{name}/{validate_version(version)}/json"


def stats_url(base: str, name: str) -> str:
    """``<base>/api/packages/<normalized name>/recent`` (pypistats.org's recent downloads)."""
    return f"{base.rstrip('/')}/api/packages/{normalize_name(name)}/recent"


def http_date(moment: datetime | str) -> str:
    """An HTTP date for ``If-Modified-Since`` (strings are passed through)."""
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def request_headers(
    agent: str | None,
    *,
    accept: str = "application/json",
    if_none_match: str | None = None,
    if_modified_since: datetime | str | None = None,
) -> dict[str, str]:
    """The headers of one upstream request."""
    headers = {"User-Agent": agent or user_agent(), "Accept": accept}
    if if_none_match is not None:
        headers["If-None-Match"] = if_none_match
    if if_modified_since is not None:
        headers["If-Modified-Since"] = http_date(if_modified_since)
    return headers


def validators(response: httpx.Response) -> Validators:
    """ETag, Last-Modified and X-PyPI-Last-Serial of a response."""
    serial = response.headers.get("X-PyPI-Last-Serial")
    return Validators(
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        last_serial=int(serial) if serial is not None and serial.strip().isdigit() else None,
    )


def reason(response: httpx.Response) -> str:
    """The reason phrase of ``response``, or the standard one for its status."""
    if response.reason_phrase:
        return response.reason_phrase
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return "Unknown Status"


def check_status(response: httpx.Response, *, conditional: bool = False) -> bool:
    """Raise HTTPError unless ``response`` is 2xx; True for a 304 to a conditional request."""
    if conditional and response.status_code == HTTPStatus.NOT_MODIFIED:
        return True
    if not response.is_success:
        raise HTTPError(
            response.status_code,
            reason(response),
            str(response.request.url),
            retry_after=retry_after(response.headers.get("Retry-After")),
        )
    return False


#: The longest ``Retry-After`` taken into account (a day); longer is read as a day.
MAX_RETRY_AFTER = 24 * 3600.0


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks to wait (delay-seconds or an HTTP date),
    bounded to a day; None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return min(float(text), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def check_declared_size(response: httpx.Response, limit: int) -> None:
    """Refuse a response whose Content-Length already exceeds ``limit``."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(response, limit)


def too_large(response: httpx.Response, limit: int) -> InvalidResponseError:
    return InvalidResponseError(
        f"response from {response.request.url} is larger than {limit} bytes; refused"
    )


@dataclass(slots=True)
class BodyCollector:
    """Collects a streamed body up to ``limit`` bytes and a deadline."""

    response: httpx.Response
    limit: int
    deadline: float
    size: int = 0
    chunks: list[bytes] = field(default_factory=list)

    def add(self, chunk: bytes) -> None:
        """Take one chunk; raise past the size bound or the deadline."""
        self.size += len(chunk)
        if self.size > self.limit:
            raise too_large(self.response, self.limit)
        if time.monotonic() > self.deadline:
            raise UpstreamUnavailableError(
                f"{self.response.request.url} did not finish its answer in time"
            )
        self.chunks.append(chunk)

    def content(self) -> bytes:
        return b"".join(self.chunks)


def deadline(timeout: float) -> float:
    """The monotonic time by which a whole exchange must be over."""
    return time.monotonic() + timeout


@contextmanager
def mapped_errors(url: str) -> Iterator[None]:
    """Turn httpx's exceptions into pypins' (transport errors -> UpstreamUnavailableError)."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise UpstreamUnavailableError(f"{url} did not answer in time ({exc!r})") from exc
    except httpx.TransportError as exc:
        raise UpstreamUnavailableError(f"{url} could not be reached ({exc!r})") from exc
    except httpx.TooManyRedirects as exc:
        raise InvalidResponseError(f"{url} redirected too many times") from exc
    except httpx.DecodingError as exc:
        raise InvalidResponseError(f"{url} sent a body that cannot be decoded ({exc})") from exc


def json_document(response: httpx.Response, content: bytes | None) -> JSONDocument:
    """The JSONDocument for a response body (None: the 304 of a conditional request)."""
    url = str(response.url)
    found = validators(response)
    if content is None:
        return JSONDocument(url=url, validators=found)
    data = load_object(content, f"response from {url}")
    return JSONDocument(url=url, validators=found, data=data, content=content)


def package_from(document: JSONDocument) -> Package:
    """Parse a fetched document; ``last_serial`` falls back to the X-PyPI-Last-Serial header."""
    assert document.data is not None
    package = parse_package(document.data)
    if package.last_serial is None and document.validators.last_serial is not None:
        package = replace(package, last_serial=document.validators.last_serial)
    return package
