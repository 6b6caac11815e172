"""Both clients, sync and async, against the loopback upstream over real HTTP."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from pypins.client import AsyncPyPIClient, Downloads, Package
from pypins.errors import (
    HTTPError,
    InvalidNameError,
    InvalidResponseError,
    UpstreamUnavailableError,
)
from tests.client.conftest import Clients
from tests.support.upstream import Upstream

T = TypeVar("T")


def test_get_a_package(clients: Clients, upstream: Upstream) -> None:
    """One request fetches and parses a project document."""
    package = clients.get("requests")
    assert package.name == "requests"
    assert package.latest_release_id == "2.34.2"
    assert package.last_serial == 37059094
    assert upstream.counts() == {"/pypi/requests/json": 1}


@pytest.mark.parametrize("suffix", ["", "/", "//"])
def test_base_url_with_or_without_trailing_slash(
    clients: Clients, upstream: Upstream, suffix: str
) -> None:
    """The JSON API base works with or without a trailing slash."""
    assert clients.get("six", pypi_url=upstream.pypi_url + suffix).name == "six"
    assert upstream.counts() == {"/pypi/six/json": 1}


@pytest.mark.parametrize(
    ("requested", "served_at"),
    [
        ("Django", "/pypi/Django/json"),
        ("django", "/pypi/Django/json"),
        ("DJANGO", "/pypi/Django/json"),
        ("typing_extensions", "/pypi/typing-extensions/json"),
        ("Typing.Extensions", "/pypi/typing-extensions/json"),
        ("zope-interface", "/pypi/zope.interface/json"),
    ],
)
def test_names_in_any_spelling_follow_redirects(
    clients: Clients, upstream: Upstream, requested: str, served_at: str
) -> None:
    """A non-canonical spelling is redirected to the project's own name and followed."""
    package = clients.get(requested)
    assert package.name == served_at.split("/")[2]
    assert upstream.count(served_at) == 1
    assert upstream.total() == (1 if f"/{requested}/" in served_at else 2)


def test_unknown_package_is_a_404(clients: Clients, upstream: Upstream) -> None:
    """An unknown project raises HTTPError 404, as yarg did."""
    with pytest.raises(HTTPError) as caught:
        clients.get("no-such-package")
    assert caught.value.status_code == 404
    assert caught.value.reason == "Not Found"
    assert caught.value.url == f"{upstream.pypi_url}/no-such-package/json"


@pytest.mark.parametrize("name", ["", " ", "/", "..", "a/b", "../../etc", "x" * 201, "é", "a b"])
def test_invalid_names_make_no_request(clients: Clients, upstream: Upstream, name: str) -> None:
    """Names that cannot exist on PyPI are refused before any request."""
    with pytest.raises(InvalidNameError):
        clients.get(name)
    with pytest.raises(InvalidNameError):
        clients.downloads(name)
    assert upstream.total() == 0


@pytest.mark.parametrize("version", ["", "..", "1/json", "1.0 ", "x" * 129])
def test_invalid_versions_make_no_request(
    clients: Clients, upstream: Upstream, version: str
) -> None:
    """Versions that cannot be release ids are refused before any request."""
    with pytest.raises(InvalidNameError):
        clients.get("requests", version)
    assert upstream.total() == 0


def test_get_one_version(clients: Clients, upstream: Upstream) -> None:
    """``version`` fetches the per-version document."""
    package = clients.get("requests", "2.32.0")
    assert package.latest_release_id == "2.32.0"
    assert package.release_ids == ["2.32.0"]
    assert package.yanked
    assert package.yanked_reason
    assert upstream.counts() == {"/pypi/requests/2.32.0/json": 1}
    with pytest.raises(HTTPError) as caught:
        clients.get("requests", "99.0")
    assert caught.value.status_code == 404


def test_downloads(clients: Clients, upstream: Upstream) -> None:
    """Recent downloads come from the stats API, under the PEP 503 name."""
    assert clients.downloads("Typing_Extensions") == Downloads(61234567, 420123456, 1800234567)
    assert upstream.count("/api/packages/typing-extensions/recent") == 1
    upstream.set_downloads("brand-new", 1, 2, 3)
    assert clients.downloads("Brand.New") == Downloads(1, 2, 3)
    with pytest.raises(HTTPError) as caught:
        clients.downloads("no-stats-here")
    assert caught.value.status_code == 404


def test_feeds(clients: Clients, upstream: Upstream) -> None:
    """Both RSS feeds are fetched and parsed."""
    newest = clients.newest_packages()
    assert newest[0].name == "tomli"
    updates = clients.latest_updated_packages()
    assert (updates[1].name, updates[1].version) == ("boto3", "1.44.4")
    assert upstream.counts() == {"/rss/packages.xml": 1, "/rss/updates.xml": 1}


def test_hostile_feed_is_refused(clients: Clients, upstream: Upstream) -> None:
    """A feed with a DTD raises InvalidResponseError."""
    upstream.set_feed("updates", '<!DOCTYPE x [<!ENTITY a "b">]><rss><channel/></rss>')
    with pytest.raises(InvalidResponseError, match="feed refused"):
        clients.latest_updated_packages()


def test_conditional_requests(clients: Clients, upstream: Upstream) -> None:
    """Validators come back with the document; revalidation gives a 304."""
    first = clients.get_json("six")
    assert first.data is not None
    assert first.data["info"]["name"] == "six"
    assert first.content.startswith(b"{")
    assert first.url == f"{upstream.pypi_url}/six/json"
    assert first.validators.etag
    assert first.validators.last_modified
    assert first.validators.last_serial == first.data["last_serial"]
    again = clients.get_json("six", if_none_match=first.validators.etag)
    assert again.not_modified
    assert again.content == b""
    assert again.validators.etag == first.validators.etag
    modified = datetime(2099, 1, 1, tzinfo=UTC)
    assert clients.get_json("six", if_modified_since=modified).not_modified
    assert clients.get_json("six", if_modified_since=first.validators.last_modified).not_modified
    old = datetime(2000, 1, 1)
    assert not clients.get_json("six", if_modified_since=old).not_modified
    assert not clients.get_json("six", if_none_match='"stale"').not_modified


def test_changed_document_is_fetched_again(
    clients: Clients, upstream: Upstream, pypi_document: Callable[[str], dict[str, Any]]
) -> None:
    """After the upstream document changes, the old ETag no longer matches."""
    first = clients.get_json("six")
    document = pypi_document("six")
    document["info"]["summary"] = "Changed."
    upstream.set_json("/pypi/six/json", document)
    second = clients.get_json("six", if_none_match=first.validators.etag)
    assert not second.not_modified
    assert second.data is not None
    assert second.data["info"]["summary"] == "Changed."


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ({"status": 503, "headers": {"Retry-After": "3"}}, HTTPError, "503 Service Unavailable"),
        ({"status": 500}, HTTPError, "500 Internal Server Error"),
        ({"status": 429}, HTTPError, "429 Too Many Requests"),
        ({"status": 304}, HTTPError, "304 Not Modified"),
        ({"body": b"<html>oops</html>"}, InvalidResponseError, "not valid JSON"),
        ({"body": b"\xff\xfe\x00"}, InvalidResponseError, "not UTF-8"),
        ({"body": b'{"info": {"name": 1}}'}, InvalidResponseError, "info.name"),
        ({"truncate": 1000}, InvalidResponseError, "not valid JSON"),
        ({"disconnect_after": 1000}, UpstreamUnavailableError, "could not be reached"),
        ({"reset": True}, UpstreamUnavailableError, "could not be reached"),
        ({"huge": 3_000_000}, InvalidResponseError, "larger than 1000000 bytes"),
        (
            {"status": 301, "headers": {"Location": "/pypi/six/json"}},
            InvalidResponseError,
            "redirected too many times",
        ),
    ],
)
def test_faults_become_pypins_errors(
    clients: Clients,
    upstream: Upstream,
    fault: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    """Every upstream failure surfaces as the documented pypins exception."""
    upstream.inject("/pypi/six/json", **fault)
    with pytest.raises(error, match=message):
        clients.get("six", max_response_bytes=1_000_000)


def test_http_error_carries_status_and_reason(clients: Clients, upstream: Upstream) -> None:
    """HTTPError has yarg's ``status_code`` and ``reason``."""
    upstream.inject("*", status=502)
    with pytest.raises(HTTPError) as caught:
        clients.get("six")
    assert (caught.value.status_code, caught.value.reason) == (502, "Bad Gateway")


def test_huge_body_is_cut_off_while_streaming(clients: Clients, upstream: Upstream) -> None:
    """A body with no end in sight (1 TB) is refused once past the bound, without reading
    it all: a client reading on would end with its own 60 s deadline ("in time")."""
    upstream.inject("/pypi/six/json", huge=10**12)
    with pytest.raises(InvalidResponseError, match="larger than"):
        clients.get("six", max_response_bytes=100_000, timeout=60)


def test_hanging_upstream_times_out(clients: Clients, upstream: Upstream) -> None:
    """An upstream that never answers raises UpstreamUnavailableError after the timeout:
    the client's own ("in time"), not the loopback's hang ending (60 s, a dropped
    connection: "could not be reached")."""
    upstream.inject("*", hang=True)
    with pytest.raises(UpstreamUnavailableError, match="in time"):
        clients.get("six", timeout=0.3)


def test_slow_upstream_within_timeout(clients: Clients, upstream: Upstream) -> None:
    """A delay shorter than the timeout is only a delay."""
    upstream.inject("*", delay=0.1, times=1)
    assert clients.get("six").name == "six"


def test_fault_for_a_number_of_requests(clients: Clients, upstream: Upstream) -> None:
    """A fault with ``times`` stops after that many requests."""
    upstream.inject("/pypi/six/json", status=503, times=1)
    with pytest.raises(HTTPError):
        clients.get("six")
    assert clients.get("six").name == "six"


@pytest.fixture
def closed_port() -> int:
    """A local port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused(clients: Clients, closed_port: int) -> None:
    """Nothing listening raises UpstreamUnavailableError."""
    with pytest.raises(UpstreamUnavailableError, match="could not be reached"):
        clients.get("six", pypi_url=f"http://127.0.0.1:{closed_port}/pypi")


def test_synthetic_packages(clients: Clients, upstream: Upstream) -> None:
    """Synthetic names are served from a template under their own name."""
    package = clients.get("synthetic-requests-7")
    assert package.name == "synthetic-requests-7"
    assert package.latest_release_id == "2.34.2"
    upstream.add_alias("My-Alias", template="six")
    assert clients.get("My-Alias").name == "My-Alias"
    assert clients.get("my_alias").name == "My-Alias"


def test_many_concurrent_requests(upstream: Upstream) -> None:
    """One async client fetches many packages concurrently over one pool."""
    names = [f"synthetic-six-{n}" for n in range(100)]

    async def main() -> list[Package]:
        async with AsyncPyPIClient(upstream.pypi_url, timeout=20) as client:
            return await asyncio.gather(*(client.get(name) for name in names))

    packages = asyncio.run(main())
    assert [p.name for p in packages] == names
    assert upstream.total() == 100


def test_modified_since_in_the_past_is_fetched(clients: Clients) -> None:
    """A naive If-Modified-Since datetime is read as UTC."""
    then = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=365 * 30)
    assert not clients.get_json("six", if_modified_since=then).not_modified
