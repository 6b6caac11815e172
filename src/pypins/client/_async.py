"""The asyncio client the service uses: one shared pool, bounded bodies, mapped errors."""

from __future__ import annotations

import asyncio
from datetime import datetime
from types import TracebackType

import httpx

from pypins.client import _http
from pypins.client._models import Downloads, FeedEntry, JSONDocument, Package
from pypins.client._parse import parse_stats
from pypins.client._rss import parse_latest_updates, parse_newest_packages
from pypins.errors import UpstreamUnavailableError
from pypins.settings import (
    DEFAULT_LATEST_UPDATES_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_NEWEST_PACKAGES_URL,
    DEFAULT_PYPI_URL,
    DEFAULT_STATS_URL,
    DEFAULT_TIMEOUT,
)


class AsyncPyPIClient:
    """An asyncio PyPI client over one connection pool.

    ```python
    async with AsyncPyPIClient() as client:
        package = await client.get("requests")
    ```

    ``timeout`` bounds each whole exchange (connect, redirects and body).
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
    ) -> None:
        self.pypi_url = pypi_url
        self.stats_url = stats_url
        self.newest_packages_url = newest_packages_url
        self.latest_updates_url = latest_updates_url
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.user_agent = user_agent
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
        self, url: str, headers: dict[str, str], *, conditional: bool = False
    ) -> tuple[httpx.Response, bytes | None]:
        """GET ``url``: the response and its bounded body (None for a 304)."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(url, headers, conditional)
        except TimeoutError:
            raise UpstreamUnavailableError(f"{url} did not answer in time") from None

    async def _exchange(
        self, url: str, headers: dict[str, str], conditional: bool
    ) -> tuple[httpx.Response, bytes | None]:
        until = _http.deadline(self.timeout)
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
        response, content = await self._fetch(url, headers, conditional=conditional)
        return _http.json_document(response, content)

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
        return parse_newest_packages(await self._feed(self.newest_packages_url))

    async def latest_updated_packages(self) -> list[FeedEntry]:
        """The latest releases on PyPI, from its RSS feed."""
        return parse_latest_updates(await self._feed(self.latest_updates_url))
