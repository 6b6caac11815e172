"""yarg's module-level functions: ``get``, ``newest_packages``, ``latest_updated_packages``."""

from __future__ import annotations

import httpx
import pytest

from pypins import client
from pypins.client import PyPIClient
from pypins.errors import HTTPError, InvalidNameError
from tests.support.upstream import Upstream


def test_get_like_yarg(upstream: Upstream) -> None:
    """``get(name, pypi_server)`` returns a Package, as ``yarg.get``."""
    package = client.get("yarg", pypi_server=upstream.pypi_url + "/")
    assert package.name == "yarg"
    assert package.has_wheel


def test_get_a_version(upstream: Upstream) -> None:
    """``get(name, version=...)`` uses the per-version document."""
    package = client.get("six", upstream.pypi_url, version="1.16.0")
    assert package.latest_release_id == "1.16.0"
    assert upstream.counts() == {"/pypi/six/1.16.0/json": 1}


def test_get_unknown(upstream: Upstream) -> None:
    """An unknown package raises HTTPError 404."""
    with pytest.raises(HTTPError, match="404 Not Found"):
        client.get("does-not-exist", upstream.pypi_url)


def test_get_invalid_name(upstream: Upstream) -> None:
    """An invalid name raises before any request."""
    with pytest.raises(InvalidNameError):
        client.get("../six", upstream.pypi_url)
    assert upstream.total() == 0


def test_feeds_like_yarg(upstream: Upstream) -> None:
    """The feed functions take the feed URL."""
    assert client.newest_packages(upstream.newest_packages_url)[1].name == "playwright"
    assert client.latest_updated_packages(upstream.latest_updates_url)[0].version == "1.44.5"


def test_injected_client_is_left_open(upstream: Upstream) -> None:
    """Closing a PyPIClient does not close an http_client it was given."""
    http = httpx.Client()
    with PyPIClient(upstream.pypi_url, http_client=http) as pypi:
        assert pypi.get("six").name == "six"
    assert not http.is_closed
    http.close()


def test_own_client_is_closed() -> None:
    """Closing a PyPIClient closes the pool it made."""
    pypi = PyPIClient()
    pypi.close()
    assert pypi._client.is_closed
