"""The blocking client and ``yarg``'s module-level functions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:  # imported on first use: the badge service never loads it (8 MB)
    import httpx


@contextmanager
def mapped_errors(url: str) -> Iterator[None]:
    """Turn httpx's exceptions into pypins' (transport errors -> UpstreamUnavailableError;
    a value httpx refuses to send or read -> InvalidResponseError)."""
    import httpx  # noqa: PLC0415

    try:
        yield
    except PypinsError:
        raise
    except httpx.TimeoutException as exc:
        raise UpstreamUnavailableError(f"{url} did not answer in time ({exc!r})") from exc
    except httpx.TransportError as exc:
        raise UpstreamUnavailableError(f"{url} could not be reached ({exc!r})") from exc
    except httpx.DecodingError as exc:
        raise InvalidResponseError(f"{url} sent a body that cannot be decoded ({exc})") from exc
    except httpx.InvalidURL as exc:
        raise InvalidResponseError(f"{url} led to an invalid URL ({exc})") from exc
    except ValueError as exc:  # a header value from an earlier answer, for one
        raise InvalidResponseError(f"{url} could not be asked ({exc})") from exc


def response_head(response: httpx.Response) -> _http.ResponseHead:
    """The parts of an httpx response the shared helpers read."""
    return _http.ResponseHead(
        response.status_code, response.reason_phrase, str(response.url), response.headers
    )


class PyPIClient:
    """A blocking PyPI client over one connection pool.

    ```python
    with PyPIClient() as client:
        package = client.get("requests")
    ```
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
        http_client: httpx.Client | None = None,
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
        self.policy = _http.RequestPolicy(timeout, max_response_bytes, max_redirects, user_agent)
        self._owns_client = http_client is None
        import httpx  # noqa: PLC0415

        self._client = http_client or httpx.Client(
            timeout=timeout, follow_redirects=False, verify=_http.ssl_context()
        )

    def __enter__(self) -> PyPIClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (not an injected ``http_client``)."""
        if self._owns_client:
            self._client.close()

    def _fetch(
        self, url: str, headers: dict[str, str], *, conditional: bool = False
    ) -> tuple[_http.ResponseHead, bytes | None]:
        """GET ``url`` under the policy, hop by hop: the final head and its bounded body
        (None for a 304)."""
        exchange = _http.Exchange(url, self.policy, conditional=conditional)
        while True:
            target = exchange.next_hop()
            with (
                mapped_errors(target),
                self._client.stream(
                    "GET", target, headers=headers, timeout=self.timeout, follow_redirects=False
                ) as response,
            ):
                step = exchange.receive(response_head(response))
                if step == "body":
                    for chunk in response.iter_bytes():
                        exchange.add(chunk)
            if step != "redirect":
                return exchange.result()

    def _get_document(
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
        head, content = self._fetch(url, headers, conditional=_http.is_conditional(headers))
        return _http.json_document(head, content)

    def get_json(
        self,
        name: str,
        version: str | None = None,
        *,
        if_none_match: str | None = None,
        if_modified_since: datetime | str | None = None,
    ) -> JSONDocument:
        """Fetch the raw JSON document of a project (or one release) with its validators.

        A document describing another project or release is refused
        (InvalidResponseError).
        """
        document = self._get_document(
            _http.project_url(self.pypi_url, name, version),
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
        )
        if document.data is not None:
            check_project_answer(document.data, name, version)
        return document

    def get(self, name: str, version: str | None = None) -> Package:
        """The Package ``name`` (described at ``version`` if given).

        When the JSON API leaves out the deprecated ``releases``, they are read from the
        Simple API (one more request); from an index without its JSON form, the package
        has only its latest release's files.
        """
        document = self.get_json(name, version)
        simple = None
        if _http.needs_simple(document, version):
            try:
                simple = self.simple(name)
            except (HTTPError, InvalidResponseError) as error:
                _http.no_simple_page(error)
        return _http.package_from(document, simple)

    def get_simple_json(
        self,
        name: str,
        *,
        if_none_match: str | None = None,
        if_modified_since: datetime | str | None = None,
    ) -> JSONDocument:
        """Fetch a project's Simple API page, JSON form (PEP 691), with its validators."""
        return self._get_document(
            _http.simple_project_url(self.simple_url, name),
            accept=SIMPLE_JSON,
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
        )

    def simple(self, name: str) -> SimpleProject:
        """A project's Simple API page: every file, the versions, the PEP 792 status."""
        document = self.get_simple_json(name)
        assert document.data is not None
        return parse_simple_project(document.data, name)

    def get_provenance_json(self, name: str, version: str, filename: str) -> JSONDocument:
        """Fetch a file's PEP 740 provenance from the Integrity API (404: it has none)."""
        url = _http.provenance_url(self.integrity_url, name, version, filename)
        return self._get_document(url, accept=INTEGRITY_JSON)

    def provenance(self, name: str, version: str, filename: str) -> Provenance | None:
        """A file's PEP 740 provenance, or None when it has none."""
        try:
            document = self.get_provenance_json(name, version, filename)
        except HTTPError as error:
            if error.status_code == 404:
                return None
            raise
        assert document.data is not None
        return parse_provenance(document.data, filename)

    def downloads(self, name: str) -> Downloads:
        """Recent download counts of ``name`` from the download-stats API."""
        url = _http.stats_url(self.stats_url, name)
        _, content = self._fetch(url, self.policy.headers())
        assert content is not None
        return parse_stats(content, name)

    def _feed(self, url: str) -> bytes:
        _, content = self._fetch(url, self.policy.headers(accept=_http.RSS_ACCEPT))
        assert content is not None
        return content

    def newest_packages(self) -> list[FeedEntry]:
        """The newest projects on PyPI, from its RSS feed."""
        return parse_newest_packages(self._feed(self.newest_packages_url))

    def latest_updated_packages(self) -> list[FeedEntry]:
        """The latest releases on PyPI, from its RSS feed."""
        return parse_latest_updates(self._feed(self.latest_updates_url))

    def project_releases(self, name: str) -> list[FeedEntry]:
        """The latest releases of project ``name``, from its RSS feed."""
        url = _http.project_releases_url(self.project_releases_url, name)
        return parse_project_releases(self._feed(url), name)


def get(
    name: str,
    pypi_server: str = DEFAULT_PYPI_URL,
    *,
    version: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> Package:
    """Fetch the Package ``name`` from ``<pypi_server>/<name>/json``, as ``yarg.get``.

    ```python
    package = pypins.client.get("yarg")
    package.latest_release_id
    ```
    """
    with PyPIClient(pypi_server, timeout=timeout, max_response_bytes=max_response_bytes) as c:
        return c.get(name, version)


def newest_packages(url: str = DEFAULT_NEWEST_PACKAGES_URL) -> list[FeedEntry]:
    """The newest projects on PyPI, as ``yarg.newest_packages``."""
    with PyPIClient(newest_packages_url=url) as client:
        return client.newest_packages()


def latest_updated_packages(url: str = DEFAULT_LATEST_UPDATES_URL) -> list[FeedEntry]:
    """The latest releases on PyPI, as ``yarg.latest_updated_packages``."""
    with PyPIClient(latest_updates_url=url) as client:
        return client.latest_updated_packages()


def project_releases(name: str, url: str = DEFAULT_PROJECT_RELEASES_URL) -> list[FeedEntry]:
    """The latest releases of project ``name``, from its RSS feed (``url`` is a template
    with ``{name}``)."""
    with PyPIClient(project_releases_url=url) as client:
        return client.project_releases(name)
