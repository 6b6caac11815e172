"""The asyncio client the service uses: one shared pool, bounded bodies, mapped errors.

Every exchange is bounded in time (connect, redirects, body) and in size; a large JSON
body is then decoded in a worker thread within what is left of the same deadline.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from types import TracebackType

import httpx

from pypins.client import _http
from pypins.client._models import Downloads, FeedEntry, JSONDocument, Package
from pypins.client._parse import parse_stats
from pypins.client._rss import parse_latest_updates, parse_newest_packages
from pypins.errors import InvalidResponseError, UpstreamUnavailableError
from pypins.settings import (
    DEFAULT_LATEST_UPDATES_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_NEWEST_PACKAGES_URL,
    DEFAULT_PYPI_URL,
    DEFAULT_STATS_URL,
    DEFAULT_TIMEOUT,
)

#: JSON bodies of at least this many bytes are decoded in a worker thread. orjson holds
#: the GIL while it decodes, so the event loop still pauses for the decode itself, but
#: no longer for the decode, the reading before it and the work after it in one block:
#: the loop's longest stall during a miss of numpy shrinks by about a third
#: (bench/miss.py). A hand-off costs about 0.1 ms, under 5% of a decode from 1 MiB on
#: (3 ms or more of orjson); of the recorded documents, boto3's and numpy's qualify.
PARSE_IN_THREAD_BYTES = 1024 * 1024


class AsyncPyPIClient:
    """An asyncio PyPI client over one connection pool.

    ```python
    async with AsyncPyPIClient() as client:
        package = await client.get("requests")
    ```

    ``timeout`` bounds each whole exchange (connect, redirects and body) and, for
    ``get_json``, the decoding of the body too. JSON bodies of ``parse_in_thread_bytes``
    or more are decoded in a worker thread (None: always on the event loop).
    """

    def __init__(
        self,
        pypi_url: str = DEFAULT_PYPI_URL,
        *,
        stats_url: str = DEFAULT_STATS_URL,
        newest_packages_url: str = DEFAULT_NEWEST_PACKAGES_URL,
        latest_updates_url: str = DEFAULT_LATEST_UPDATES_URL,
        timeout: float = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_redirects: int = _http.DEFAULT_MAX_REDIRECTS,
        user_agent: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        parse_in_thread_bytes: int | None = PARSE_IN_THREAD_BYTES,
    ) -> None:
        self.pypi_url = pypi_url
        self.stats_url = stats_url
        self.newest_packages_url = newest_packages_url
        self.latest_updates_url = latest_updates_url
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.user_agent = user_agent
        self.parse_in_thread_bytes = parse_in_thread_bytes
        self._owns_client = http_client is None
        self._client = http_client or httpx.AsyncClient(
            timeout=timeout, max_redirects=max_redirects, follow_redirects=True
        )

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
        """Close the connection pool (not an injected ``http_client``)."""
        if self._owns_client:
            await self._client.aclose()

    async def _fetch(
        self,
        url: str,
        headers: dict[str, str],
        *,
        conditional: bool = False,
        until: float | None = None,
    ) -> tuple[httpx.Response, bytes | None]:
        """GET ``url``: the response and its bounded body (None for a 304).

        ``until`` is the exchange's monotonic deadline (default: ``timeout`` from now).
        """
        if until is None:
            until = _http.deadline(self.timeout)
        try:
            async with asyncio.timeout(until - time.monotonic()):
                return await self._exchange(url, headers, conditional, until)
        except TimeoutError:
            raise UpstreamUnavailableError(f"{url} did not answer in time") from None

    async def _exchange(
        self, url: str, headers: dict[str, str], conditional: bool, until: float
    ) -> tuple[httpx.Response, bytes | None]:
        with _http.mapped_errors(url):
            async with self._client.stream(
                "GET", url, headers=headers, timeout=self.timeout, follow_redirects=True
            ) as response:
                if _http.check_status(response, conditional=conditional):
                    return response, None
                _http.check_declared_size(response, self.max_response_bytes)
                body = _http.BodyCollector(response, self.max_response_bytes, until)
                async for chunk in response.aiter_bytes():
                    body.add(chunk)
                return response, body.content()

    async def _document(
        self, response: httpx.Response, content: bytes | None, until: float
    ) -> JSONDocument:
        """Decode a fetched body: on the loop if small, else in a thread, by ``until``."""
        threshold = self.parse_in_thread_bytes
        if content is None or threshold is None or len(content) < threshold:
            return _http.json_document(response, content)
        parse = asyncio.to_thread(_http.json_document, response, content)
        try:
            # On timeout wait_for stops waiting, but a running thread cannot be
            # stopped: it finishes its parse in the background and its result is
            # dropped. That work is bounded by max_response_bytes, as is the memory.
            return await asyncio.wait_for(parse, max(until - time.monotonic(), 0.0))
        except TimeoutError:
            raise InvalidResponseError(
                f"response from {response.url} was not decoded in time"
            ) from None

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
        ``not_modified`` is true (and whose ``data`` is None).
        """
        url = _http.project_url(self.pypi_url, name, version)
        headers = _http.request_headers(
            self.user_agent, if_none_match=if_none_match, if_modified_since=if_modified_since
        )
        conditional = if_none_match is not None or if_modified_since is not None
        until = _http.deadline(self.timeout)
        response, content = await self._fetch(url, headers, conditional=conditional, until=until)
        return await self._document(response, content, until)

    async def get(self, name: str, version: str | None = None) -> Package:
        """The Package ``name`` (described at ``version`` if given)."""
        return _http.package_from(await self.get_json(name, version))

    async def downloads(self, name: str) -> Downloads:
        """Recent download counts of ``name`` from the download-stats API."""
        url = _http.stats_url(self.stats_url, name)
        _, content = await self._fetch(url, _http.request_headers(self.user_agent))
        assert content is not None
        return parse_stats(content)

    async def _feed(self, url: str) -> bytes:
        headers = _http.request_headers(self.user_agent, accept=_http.RSS_ACCEPT)
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
