"""What the sync and async clients share: TLS trust, URLs, headers, and the request
policy itself.

:class:`Exchange` is one logical GET under a :class:`RequestPolicy` (time, size,
redirects, statuses), without I/O: each client drives it hop by hop over its own HTTP
library (httpx for the blocking client, aiohttp for the asyncio one), so that both obey
the very same rules, written once here.
"""

from __future__ import annotations

import os
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from types import MappingProxyType
from typing import Literal
from urllib.parse import quote

import certifi
from yarl import URL

from pypins.errors import (
    HTTPError,
    InvalidNameError,
    InvalidResponseError,
    UpstreamUnavailableError,
)
from pypins.pypi import (
    JSONDocument,
    Package,
    SimpleProject,
    Validators,
    load_object,
    normalize_name,
    parse_package,
    releases_from_simple,
    validate_name,
    validate_version,
)
from pypins.settings import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    user_agent,
)

#: Redirects followed before giving up (PyPI redirects non-canonical names once).
DEFAULT_MAX_REDIRECTS = 5

#: The Accept header of feed requests.
RSS_ACCEPT = "application/rss+xml, application/xml;q=0.9, */*;q=0.1"


def ssl_context(verify: ssl.SSLContext | bool = True) -> ssl.SSLContext:
    """The TLS settings of both clients: ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` when set,
    else certifi's authorities (httpx's own choice, made here without loading httpx); a
    context given is used as is, and ``False`` turns verification off."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if not verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


def project_url(pypi_url: str, name: str, version: str | None = None) -> str:
    """``<pypi_url>/<name>/json`` or ``<pypi_url>/<name>/<version>/json``, names checked."""
    base = pypi_url.rstrip("/")
    validate_name(name)
    if version is None:
        return f"{base}/{name}/json"
    return f"{base}/{name}/{validate_version(version)}/json"


def sibling_url(pypi_url: str, api: str) -> str:
    """Where an index whose JSON API is at ``pypi_url`` serves its ``api`` (``simple``,
    ``integrity``): ``<root>/<api>`` when ``pypi_url`` is ``<root>/pypi``, as on PyPI,
    else ``<pypi_url>/<api>``."""
    return f"{pypi_url.rstrip('/').removesuffix('/pypi')}/{api}"


#: What a Simple API without a JSON form for the project answers: not a release list.
NO_SIMPLE_PAGE = frozenset({404, 406, 410})


def simple_project_url(simple_url: str, name: str) -> str:
    """``<simple_url>/<normalized name>/``: a project's page in the Simple API."""
    return f"{simple_url.rstrip('/')}/{normalize_name(name)}/"


def provenance_url(integrity_url: str, name: str, version: str, filename: str) -> str:
    """``<integrity_url>/<name>/<version>/<filename>/provenance`` (PyPI's Integrity API)."""
    validate_version(version)
    if not filename or "/" in filename or not filename.isprintable() or len(filename) > 255:
        raise InvalidNameError(f"not a distribution filename: {filename[:80]!r}")
    return (
        f"{integrity_url.rstrip('/')}/{normalize_name(name)}/{version}/"
        f"{quote(filename, safe='')}/provenance"
    )


def project_releases_url(template: str, name: str) -> str:
    """The releases feed of project ``name``: ``template`` with ``{name}`` filled in."""
    return template.replace("{name}", normalize_name(name))


def split_origin(url: str) -> tuple[str, str]:
    """``url`` as its origin as written (``https://pypi.org``) and the rest
    (``/pypi/x/json``; "" when no ``/`` follows the host). Slices: ``urlsplit`` on
    every request would cost more than the lookups keyed by the origin."""
    scheme_end = url.find("://")
    path_start = url.find("/", scheme_end + 3) if scheme_end >= 0 else -1
    if path_start < 0:
        return url, ""
    return url[:path_start], url[path_start:]


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


#: The longest validator kept (an ETag or a date is some tens of characters).
MAX_VALIDATOR_LENGTH = 1024

#: The digits of the longest ``X-PyPI-Last-Serial`` read (a 64-bit integer has 20).
MAX_SERIAL_DIGITS = 20


def sendable_validator(value: str | None) -> str | None:
    """``value`` if it can be sent back as ``If-None-Match`` or ``If-Modified-Since``,
    else None.

    A validator is sent back as the upstream wrote it, so it must be a header value
    every client library sends unchanged: visible ASCII and inner spaces, at most
    ``MAX_VALIDATOR_LENGTH`` characters. A tab, a control character or a byte past
    ASCII is legal in a received header but refused (or re-encoded) on the way out by
    aiohttp or httpx: such a validator is dropped, and the next request asks without it.
    """
    if value is None or not 0 < len(value) <= MAX_VALIDATOR_LENGTH:
        return None
    if not value.isascii() or not value.isprintable() or value != value.strip():
        return None
    return value


def is_conditional(headers: Mapping[str, str]) -> bool:
    """Whether request ``headers`` make a conditional request (a 304 is then an answer)."""
    return "If-None-Match" in headers or "If-Modified-Since" in headers


def request_headers(
    agent: str | None,
    *,
    accept: str = "application/json",
    if_none_match: str | None = None,
    if_modified_since: datetime | str | None = None,
) -> dict[str, str]:
    """The headers of one upstream request; a validator that cannot be sent is left
    out (``sendable_validator``)."""
    headers = {"User-Agent": agent or user_agent(), "Accept": accept}
    etag = sendable_validator(if_none_match)
    if etag is not None:
        headers["If-None-Match"] = etag
    if if_modified_since is not None:
        since = sendable_validator(http_date(if_modified_since))
        if since is not None:
            headers["If-Modified-Since"] = since
    return headers


#: Checks one URL (the first and every redirect) before it is requested; raises to refuse.
URLCheck = Callable[[str], None]

#: The statuses whose ``Location`` is followed.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class RequestPolicy:
    """What every request of a client obeys, whichever HTTP library sends it."""

    #: Seconds one whole exchange may take: connecting, every redirect, the body.
    timeout: float = DEFAULT_TIMEOUT
    #: The largest body read, checked against ``Content-Length`` and while reading.
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    #: Redirects followed (one hop at a time, each checked) before giving up.
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    #: The User-Agent sent (None: pypins' own).
    user_agent: str | None = None
    #: Vets every URL, redirects included, before it is requested; without it, a
    #: redirect must stay on the origin of the URL first asked (``check_origin``).
    check_url: URLCheck | None = None

    def headers(
        self,
        *,
        accept: str = "application/json",
        if_none_match: str | None = None,
        if_modified_since: datetime | str | None = None,
    ) -> dict[str, str]:
        """The headers of one request under this policy."""
        return request_headers(
            self.user_agent,
            accept=accept,
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
        )


@dataclass(frozen=True, slots=True)
class ResponseHead:
    """What the shared helpers read of a response, whichever client library received it."""

    status: int
    #: The reason phrase as sent ("" when the server sent none).
    reason: str
    #: The URL that answered (after any redirects).
    url: str
    #: The response headers, looked up case-insensitively.
    headers: Mapping[str, str]

    @property
    def reason_phrase(self) -> str:
        """The reason phrase as sent, or the standard one for the status."""
        if self.reason:
            return self.reason
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Unknown Status"


def validators(head: ResponseHead) -> Validators:
    """ETag, Last-Modified and X-PyPI-Last-Serial of a response; a validator that could
    not be sent back (``sendable_validator``) or a serial that is not a plain number is
    left out."""
    return Validators(
        etag=sendable_validator(head.headers.get("ETag")),
        last_modified=sendable_validator(head.headers.get("Last-Modified")),
        last_serial=_serial(head.headers.get("X-PyPI-Last-Serial")),
    )


def _serial(value: str | None) -> int | None:
    """A serial: ASCII digits only, at most ``MAX_SERIAL_DIGITS`` of them."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) <= MAX_SERIAL_DIGITS:
        return int(text)
    return None


def check_status(head: ResponseHead, *, conditional: bool = False) -> bool:
    """Raise HTTPError unless ``head`` is 2xx; True for a 304 to a conditional request.

    An interim answer (1xx) is never the answer: both libraries read past them to the
    final one, and one that reaches here is refused as invalid.
    """
    if head.status < 200:
        raise InvalidResponseError(
            f"{head.url} answered with an interim status ({head.status}) only"
        )
    if conditional and head.status == HTTPStatus.NOT_MODIFIED:
        return True
    if not 200 <= head.status < 300:
        raise HTTPError(
            head.status,
            head.reason_phrase,
            head.url,
            retry_after=retry_after(head.headers.get("Retry-After")),
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
        return min(float(text), MAX_RETRY_AFTER)  # float() takes any number of digits
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def check_declared_size(head: ResponseHead, limit: int) -> None:
    """Refuse a response whose Content-Length already exceeds ``limit``."""
    check_content_length(head.headers.get("Content-Length", ""), head.url, limit)


def check_content_length(declared: str, url: str, limit: int) -> None:
    """Refuse the answer from ``url`` when its Content-Length ``declared`` exceeds ``limit``."""
    if not (declared.isascii() and declared.isdigit()):
        return  # none, or not a length: the bound holds while reading
    if len(declared.lstrip("0")) > len(str(limit)) or int(declared) > limit:
        raise too_large(url, limit)


def too_large(url: str, limit: int) -> InvalidResponseError:
    return InvalidResponseError(f"response from {url} is larger than {limit} bytes; refused")


@dataclass(slots=True)
class BodyCollector:
    """Collects a streamed body from ``url`` up to ``limit`` bytes and a deadline."""

    url: str
    limit: int
    deadline: float
    size: int = 0
    chunks: list[bytes] = field(default_factory=list)

    def add(self, chunk: bytes) -> None:
        """Take one chunk; raise past the size bound or the deadline."""
        self.size += len(chunk)
        if self.size > self.limit:
            raise too_large(self.url, self.limit)
        if time.monotonic() > self.deadline:
            raise UpstreamUnavailableError(f"{self.url} did not finish its answer in time")
        self.chunks.append(chunk)

    def content(self) -> bytes:
        return b"".join(self.chunks)


def deadline(timeout: float) -> float:
    """The monotonic time by which a whole exchange must be over."""
    return time.monotonic() + timeout


def redirect_location(head: ResponseHead) -> str | None:
    """The ``Location`` of a redirect a client follows, else None."""
    if head.status in REDIRECT_STATUSES:
        return head.headers.get("Location")
    return None


def redirect_target(url: str, location: str) -> str:
    """The absolute http(s) URL a ``Location`` sent by ``url`` points to."""
    try:
        target = URL(url).join(URL(location))
    except (ValueError, TypeError) as exc:
        raise InvalidResponseError(f"{url} redirected to an invalid URL") from exc
    if target.scheme not in ("http", "https") or not target.host:
        raise InvalidResponseError(f"{url} redirected to {str(target)[:200]!r}; refused")
    return str(target)


#: The default port of each scheme a redirect may name.
_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_origin(url: str, target: str) -> None:
    """Refuse a redirect from the exchange that began at ``url`` to ``target`` unless
    ``target`` is on ``url``'s origin (scheme, host and port), or is its ``https`` form
    on the default ports (``http://host`` to ``https://host``).

    An upstream's answer decides where a redirect points: followed anywhere, it makes
    pypins a relay to any host or port the worker can reach (a Redis next to PyPI's
    mirror, a metadata service). PyPI's own redirects (a name in another spelling, a
    Simple API page without its final ``/``) stay on its origin.
    """
    start, end = URL(url), URL(target)
    if start.host == end.host and start.scheme == end.scheme and start.port == end.port:
        return
    upgrade = (start.scheme, end.scheme) == ("http", "https")
    if (
        upgrade
        and start.host == end.host
        and start.port == _DEFAULT_PORTS["http"]
        and end.port == _DEFAULT_PORTS["https"]
    ):
        return
    raise InvalidResponseError(
        f"{url} redirected to another origin ({str(end.origin())[:200]!r}); refused"
    )


#: What a client does after ``Exchange.receive``: ask the next hop, read the body, or
#: stop (an answer without a body to read: a 304 to a conditional request).
Step = Literal["redirect", "body", "done"]


class Exchange:
    """One logical GET of ``url`` under ``policy``, without I/O.

    A client asks :meth:`next_hop` for the URL to request, gives :meth:`receive` the
    head of the answer and, when it says ``"body"``, each chunk of the body to
    :meth:`add`; after ``"redirect"`` it asks for the next hop; :meth:`result` is the
    final head and body. Redirects are followed one hop at a time (each URL checked by
    the policy's ``check_url``, else kept on the first URL's origin), a non-2xx answer
    raises ``HTTPError``, a body over the size bound or the deadline raises as the
    policy says.
    """

    def __init__(
        self,
        url: str,
        policy: RequestPolicy,
        *,
        conditional: bool = False,
        until: float | None = None,
    ) -> None:
        self.url = url
        self.policy = policy
        self.conditional = conditional
        #: The monotonic time by which the whole exchange must be over.
        self.until = deadline(policy.timeout) if until is None else until
        self._target = url
        self._hops = 0
        self._head: ResponseHead | None = None
        self._body: BodyCollector | None = None

    def remaining(self) -> float:
        """Seconds left of the exchange's time."""
        return self.until - time.monotonic()

    def next_hop(self) -> str:
        """The URL to request next, vetted by the policy."""
        if self._hops > self.policy.max_redirects:
            raise InvalidResponseError(f"{self.url} redirected too many times")
        self._hops += 1
        if self.policy.check_url is not None:
            self.policy.check_url(self._target)
        elif self._hops > 1:
            check_origin(self.url, self._target)
        return self._target

    def receive(self, head: ResponseHead) -> Step:
        """Take the head of an answer: follow a redirect, read a 2xx body, or stop."""
        location = redirect_location(head)
        if location is not None:
            self._target = redirect_target(self._target, location)
            return "redirect"
        self._head = head
        if check_status(head, conditional=self.conditional):
            return "done"
        check_declared_size(head, self.policy.max_response_bytes)
        self._body = BodyCollector(head.url, self.policy.max_response_bytes, self.until)
        return "body"

    def add(self, chunk: bytes) -> None:
        """Take one chunk of the body."""
        assert self._body is not None
        self._body.add(chunk)

    def result(self) -> tuple[ResponseHead, bytes | None]:
        """The final head, and the body (None for a 304 to a conditional request)."""
        assert self._head is not None
        return self._head, None if self._body is None else self._body.content()


def json_document(head: ResponseHead, content: bytes | None) -> JSONDocument:
    """The JSONDocument for a response body (None: the 304 of a conditional request)."""
    found = validators(head)
    if content is None:
        return JSONDocument(url=head.url, validators=found)
    data = load_object(content, f"response from {head.url}")
    return JSONDocument(url=head.url, validators=found, data=data, content=content)


def needs_simple(document: JSONDocument, version: str | None) -> bool:
    """Whether a project document lacks ``releases`` (deprecated in the JSON API), so that
    the release list must come from the Simple API instead."""
    return version is None and document.data is not None and "releases" not in document.data


def no_simple_page(error: HTTPError | InvalidResponseError) -> None:
    """Re-raise ``error`` unless it says the index has no JSON page for the project (then
    the package keeps the JSON API's own files: its latest release's)."""
    if isinstance(error, HTTPError) and error.status_code not in NO_SIMPLE_PAGE:
        raise error


def package_from(document: JSONDocument, simple: SimpleProject | None = None) -> Package:
    """Parse a fetched document; ``last_serial`` falls back to the X-PyPI-Last-Serial header.

    ``simple``, the project's Simple API page, fills in the releases of a document
    without ``releases``.
    """
    assert document.data is not None
    package = parse_package(document.data)
    if simple is not None:
        releases = releases_from_simple(simple)
        latest = package.releases.get(package.latest_release_id, ())
        if latest or package.latest_release_id not in releases:
            releases[package.latest_release_id] = latest
        package = replace(package, releases=MappingProxyType(releases))
    if package.last_serial is None and document.validators.last_serial is not None:
        package = replace(package, last_serial=document.validators.last_serial)
    return package
