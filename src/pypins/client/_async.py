"""The asyncio client the service uses: one shared pool, bounded bodies, mapped errors.

It runs on aiohttp: an upstream request costs the worker an eighth of the CPU it
costs over httpx, whose connection pool grows dearer with every request in
flight (``bench/clients.py``, ``docs/performance.md``). Every exchange is bounded in time (connect,
redirects, body) and in size; a large JSON body is then decoded in a worker thread
within what is left of the same deadline. Redirects are followed here, one hop at a
time, so that each hop can be checked before it is requested.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from pypins.client import _http
from pypins.errors import (
    HTTPError,
    InvalidResponseError,
    PypinsError,
    UpstreamUnavailableError,
)
from pypins.pypi import (
    INTEGRITY_JSON,
    SIMPLE_JSON,
    Downloads,
    FeedEntry,
    JSONDocument,
    Package,
    Provenance,
    SimpleProject,
    check_project_answer,
    parse_latest_updates,
    parse_newest_packages,
    parse_project_releases,
    parse_provenance,
    parse_simple_project,
    parse_stats,
)
from pypins.settings import (
    DEFAULT_LATEST_UPDATES_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_NEWEST_PACKAGES_URL,
    DEFAULT_PROJECT_RELEASES_URL,
    DEFAULT_PYPI_URL,
    DEFAULT_STATS_URL,
    DEFAULT_TIMEOUT,
)

#: JSON bodies of at least this many bytes are decoded in a worker thread. orjson holds
#: the GIL while it decodes, so the event loop still pauses for the decode itself, but
#: not for the decode, the reading before it and the work after it in one block: the
#: loop's longest stall during a miss of numpy is about a fifth shorter (bench/miss.py).
#: A hand-off costs about 0.1 ms, under 5% of a decode from 1 MiB on (3 ms or more of
#: orjson); of the recorded documents, boto3's and numpy's qualify.
PARSE_IN_THREAD_BYTES = 1024 * 1024

#: Connections a pool keeps open at most (all hosts together).
DEFAULT_CONNECTIONS = 100

#: Hosts whose proxy a client remembers (redirects could name any number of them).
MAX_PROXY_HOSTS = 64


def client_session(
    *,
    timeout: float = DEFAULT_TIMEOUT,
    connections: int = DEFAULT_CONNECTIONS,
    resolver: AbstractResolver | None = None,
    verify: ssl.SSLContext | bool = True,
) -> aiohttp.ClientSession:
    """A connection pool for :class:`AsyncPyPIClient` (call it with a loop running).

    The pool reads nothing from the environment: proxies are the client's choice
    (``trust_env``), looked up once per host rather than on every request as
    aiohttp's own ``trust_env`` would (a quarter of a miss's CPU). It keeps no
    cookies and follows no redirect by itself: the client does, hop by hop.
    """
    connector = aiohttp.TCPConnector(
        limit=connections, resolver=resolver, ssl=_http.ssl_context(verify)
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        auto_decompress=True,
        cookie_jar=aiohttp.DummyCookieJar(),
    )


@contextmanager
def mapped_errors(url: str) -> Iterator[None]:
    """Turn aiohttp's exceptions into pypins' (transport errors -> UpstreamUnavailableError;
    a value aiohttp refuses to send or read -> InvalidResponseError)."""
    try:
        yield
    except PypinsError:
        raise
    except TimeoutError as exc:  # aiohttp's ServerTimeoutError is one
        raise UpstreamUnavailableError(f"{url} did not answer in time ({exc!r})") from exc
    except aiohttp.InvalidURL as exc:
        raise InvalidResponseError(f"{url} led to an invalid URL ({exc})") from exc
    except aiohttp.ClientPayloadError as exc:
        if "decode" in str(exc):
            raise InvalidResponseError(f"{url} sent a body that cannot be decoded ({exc})") from exc
        raise UpstreamUnavailableError(f"{url} could not be reached ({exc!r})") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise UpstreamUnavailableError(f"{url} could not be reached ({exc!r})") from exc
    except ValueError as exc:  # a header value from an earlier answer, for one
        raise InvalidResponseError(f"{url} could not be asked ({exc})") from exc


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTP_PROXY``, ``HTTPS_PROXY``,
    ``ALL_PROXY``, in either case), unless ``NO_PROXY`` exempts its host; else None."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxies.get(parts.scheme) or proxies.get("all")


class AsyncPyPIClient:
    """An asyncio PyPI client over one connection pool.

    ```python
    async with AsyncPyPIClient() as client:
        package = await client.get("requests")
    ```

    ``timeout`` bounds each whole exchange (connect, redirects and body) and, for
    ``get_json``, the decoding of the body too. JSON bodies of ``parse_in_thread_bytes``
    or more are decoded in a worker thread (None: always on the event loop).
    ``session`` shares a pool made by :func:`client_session` (the client then leaves it
    open); ``check_url`` vets every URL, redirects included, before it is requested;
    ``trust_env`` sends requests through the proxy the environment names, as httpx does.
    Every request follows :class:`~pypins.client._http.RequestPolicy`, as the blocking
    client's do.
    """

    def __init__(
        self,
        pypi_url: str = DEFAULT_PYPI_URL,
        *,
        stats_url: str = DEFAULT_STATS_URL,
        newest_packages_url: str = DEFAULT_NEWEST_PACKAGES_URL,
        latest_updates_url: str = DEFAULT_LATEST_UPDATES_URL,
        project_releases_url: str = DEFAULT_PROJECT_RELEASES_URL,
        simple_url: str | None = None,
        integrity_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_redirects: int = _http.DEFAULT_MAX_REDIRECTS,
        user_agent: str | None = None,
        session: aiohttp.ClientSession | None = None,
        check_url: _http.URLCheck | None = None,
        trust_env: bool = True,
        parse_in_thread_bytes: int | None = PARSE_IN_THREAD_BYTES,
    ) -> None:
        self.pypi_url = pypi_url
        self.stats_url = stats_url
        self.newest_packages_url = newest_packages_url
        self.latest_updates_url = latest_updates_url
        self.project_releases_url = project_releases_url
        #: The Simple and Integrity APIs: next to the JSON API unless given.
        self.simple_url = simple_url or _http.sibling_url(pypi_url, "simple")
        self.integrity_url = integrity_url or _http.sibling_url(pypi_url, "integrity")
        self.timeout = timeout
        self._request_timeout = aiohttp.ClientTimeout(total=timeout)
        self.policy = _http.RequestPolicy(
            timeout, max_response_bytes, max_redirects, user_agent, check_url
        )
        self.trust_env = trust_env
        self._proxies: dict[str, str | None] = {}
        self.parse_in_thread_bytes = parse_in_thread_bytes
        self._owns_session = session is None
        self._session = session

    async def __aenter__(self) -> AsyncPyPIClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (not a ``session`` it was given)."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _pool(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = client_session(timeout=self.timeout)
        return self._session

    def _proxy(self, url: str) -> str | None:
        """The environment's proxy for ``url`` (None without ``trust_env``), per origin."""
        if not self.trust_env:
            return None
        origin, _ = _http.split_origin(url)
        try:
            return self._proxies[origin]
        except KeyError:
            pass
        try:
            proxy = environment_proxy(url)
        except ValueError:  # aiohttp refuses the URL itself, as an invalid one
            return None
        if len(self._proxies) >= MAX_PROXY_HOSTS:
            self._proxies.clear()
        self._proxies[origin] = proxy
        return proxy

    async def _fetch(
        self,
        url: str,
        headers: dict[str, str],
        *,
        conditional: bool = False,
        until: float | None = None,
    ) -> tuple[_http.ResponseHead, bytes | None]:
        """GET ``url`` under the policy, hop by hop: the final head and its bounded body
        (None for a 304). ``until`` is the exchange's monotonic deadline."""
        exchange = _http.Exchange(url, self.policy, conditional=conditional, until=until)
        try:
            async with asyncio.timeout(exchange.remaining()):
                while True:
                    target = exchange.next_hop()
                    with mapped_errors(target):
                        async with self._pool().get(
                            target,
                            headers=headers,
                            allow_redirects=False,
                            timeout=self._request_timeout,
                            proxy=self._proxy(target),
                        ) as response:
                            head = _http.ResponseHead(
                                response.status,
                                response.reason or "",
                                str(response.url),
                                response.headers,
                            )
                            step = exchange.receive(head)
                            if step == "body":
                                async for chunk in response.content.iter_any():
                                    exchange.add(chunk)
                    if step != "redirect":
                        return exchange.result()
        except TimeoutError:
            raise UpstreamUnavailableError(f"{url} did not answer in time") from None

    async def _document(
        self, head: _http.ResponseHead, content: bytes | None, until: float
    ) -> JSONDocument:
        """Decode a fetched body: on the loop if small, else in a thread, by ``until``."""
        threshold = self.parse_in_thread_bytes
        if content is None or threshold is None or len(content) < threshold:
            return _http.json_document(head, content)
        parse = asyncio.to_thread(_http.json_document, head, content)
        try:
            # On timeout wait_for stops waiting, but a running thread cannot be
            # stopped: it finishes its parse in the background and its result is
            # dropped. That work is bounded by max_response_bytes, as is the memory.
            return await asyncio.wait_for(parse, max(until - time.monotonic(), 0.0))
        except TimeoutError:
            raise InvalidResponseError(
                f"response from {head.url} was not decoded in time"
            ) from None

    async def _get_document(
        self,
        url: str,
        *,
        accept: str = "application/json",
        if_none_match: str | None = None,
        if_modified_since: datetime | str | None = None,
    ) -> JSONDocument:
        """GET a JSON document with its validators (``data`` None after a 304)."""
        headers = self.policy.headers(
            accept=accept, if_none_match=if_none_match, if_modified_since=if_modified_since
        )
        until = _http.deadline(self.timeout)
        conditional = _http.is_conditional(headers)
        head, content = await self._fetch(url, headers, conditional=conditional, until=until)
        return await self._document(head, content, until)

    async def get_json(
        self,
        name: str,
        version: str | None = None,
        *,
        if_none_match: str | None = None,
        if_modified_since: datetime | str | None = None,
    ) -> JSONDocument:
        """Fetch the raw JSON document of a project (or one release) with its validators.

        With ``if_none_match``/``if_modified_since``, a 304 answer gives a document whose
        ``not_modified`` is true (and whose ``data`` is None). A document describing
        another project or release is refused (InvalidResponseError).
        """
        document = await self._get_document(
            _http.project_url(self.pypi_url, name, version),
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
        )
        if document.data is not None:
            check_project_answer(document.data, name, version)
        return document

    async def get(self, name: str, version: str | None = None) -> Package:
        """The Package ``name`` (described at ``version`` if given).

        When the JSON API leaves out the deprecated ``releases``, they are read from the
        Simple API (one more request); from an index without its JSON form, the package
        has only its latest release's files.
        """
        document = await self.get_json(name, version)
        simple = None
        if _http.needs_simple(document, version):
            try:
                simple = await self.simple(name)
            except (HTTPError, InvalidResponseError) as error:
                _http.no_simple_page(error)
        return _http.package_from(document, simple)

    async def get_simple_json(
        self,
        name: str,
        *,
        if_none_match: str | None = None,
        if_modified_since: datetime | str | None = None,
    ) -> JSONDocument:
        """Fetch a project's Simple API page, JSON form (PEP 691), with its validators."""
        return await self._get_document(
            _http.simple_project_url(self.simple_url, name),
            accept=SIMPLE_JSON,
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
        )

    async def simple(self, name: str) -> SimpleProject:
        """A project's Simple API page: every file, the versions, the PEP 792 status."""
        document = await self.get_simple_json(name)
        assert document.data is not None
        return parse_simple_project(document.data, name)

    async def get_provenance_json(self, name: str, version: str, filename: str) -> JSONDocument:
        """Fetch a file's PEP 740 provenance from the Integrity API (404: it has none)."""
        url = _http.provenance_url(self.integrity_url, name, version, filename)
        return await self._get_document(url, accept=INTEGRITY_JSON)

    async def provenance(self, name: str, version: str, filename: str) -> Provenance | None:
        """A file's PEP 740 provenance, or None when it has none."""
        try:
            document = await self.get_provenance_json(name, version, filename)
        except HTTPError as error:
            if error.status_code == 404:
                return None
            raise
        assert document.data is not None
        return parse_provenance(document.data, filename)

    async def downloads(self, name: str) -> Downloads:
        """Recent download counts of ``name`` from the download-stats API."""
        url = _http.stats_url(self.stats_url, name)
        _, content = await self._fetch(url, self.policy.headers())
        assert content is not None
        return parse_stats(content, name)

    async def _feed(self, url: str) -> bytes:
        headers = self.policy.headers(accept=_http.RSS_ACCEPT)
        _, content = await self._fetch(url, headers)
        assert content is not None
        return content

    async def newest_packages(self) -> list[FeedEntry]:
        """The newest projects on PyPI, from its RSS feed."""
        content = await self._feed(self.newest_packages_url)
        # XML parsing holds the loop for as long as the document is deep: in a thread.
        return await asyncio.to_thread(parse_newest_packages, content)

    async def latest_updated_packages(self) -> list[FeedEntry]:
        """The latest releases on PyPI, from its RSS feed."""
        content = await self._feed(self.latest_updates_url)
        return await asyncio.to_thread(parse_latest_updates, content)

    async def project_releases(self, name: str) -> list[FeedEntry]:
        """The latest releases of project ``name``, from its RSS feed."""
        content = await self._feed(_http.project_releases_url(self.project_releases_url, name))
        return await asyncio.to_thread(parse_project_releases, content, name)
