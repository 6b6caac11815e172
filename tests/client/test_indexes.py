"""The Simple API and the Integrity API through both clients, the release list rebuilt
from the Simple API when the JSON API leaves it out, and answers of another package
refused (the readers themselves are tested in ``tests/pypi/test_indexes.py``)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from pypins.client import JSONDocument, Validators, parse_package
from pypins.client._http import package_from
from pypins.errors import HTTPError, InvalidNameError, InvalidResponseError
from pypins.pypi import parse_simple_project
from tests.client.conftest import Clients
from tests.support.upstream import Upstream, derive_simple_page

Loader = Callable[[str], dict[str, Any]]


@pytest.mark.parametrize("name", ["requests", "wagtail", "django", "numpy"])
def test_a_package_without_releases_gets_them_from_the_simple_api(
    name: str, pypi_document: Loader
) -> None:
    """``package_from`` fills a document without ``releases`` from the Simple API page:
    release ids, yanked releases and the latest release's files as before."""
    document = pypi_document(name)
    before = parse_package(document)
    stripped = {key: value for key, value in copy.deepcopy(document).items() if key != "releases"}
    simple = parse_simple_project(derive_simple_page(document))
    after = package_from(JSONDocument("https://pypi.example", Validators(), stripped), simple)
    assert after.release_ids == before.release_ids
    assert after.yanked_release_ids == before.yanked_release_ids
    assert [file.filename for file in after.latest_release] == [
        file.filename for file in before.latest_release
    ]


# Both clients against the loopback upstream


def test_simple_page_through_both_clients(clients: Clients, upstream: Upstream) -> None:
    """``simple()`` asks the Simple API for its JSON form, in the name's normal form."""
    upstream.set_project_status("zope.interface", "archived")
    project = clients.simple("Zope.Interface")
    assert (project.name, project.status, project.api_version) == (
        "zope-interface",
        "archived",
        "1.4",
    )
    assert project.versions[-1] == "8.7"
    assert upstream.counts() == {"/simple/zope-interface/": 1}


def test_provenance_through_both_clients(clients: Clients, upstream: Upstream) -> None:
    """``provenance()`` reads a file's provenance, and None for a file without any."""
    found = clients.provenance("sampleproject", "4.0.0", "sampleproject-4.0.0.tar.gz")
    assert found is not None
    assert found.publishers[0].label == "github pypa/sampleproject"
    assert clients.provenance("docopt", "0.6.2", "docopt-0.6.2.tar.gz") is None
    with pytest.raises(InvalidNameError):
        clients.provenance("docopt", "0.6.2", "../etc/passwd")


def test_project_releases_feed_through_both_clients(clients: Clients, upstream: Upstream) -> None:
    """``project_releases()`` reads one project's feed; its entries carry the project."""
    entries = clients.project_releases("Requests")
    assert entries[0].name == "requests"
    assert entries[0].version
    assert upstream.counts() == {"/rss/project/requests/releases.xml": 1}


@pytest.mark.parametrize("name", ["requests", "wagtail"])
def test_get_without_releases_through_both_clients(
    clients: Clients, upstream: Upstream, name: str
) -> None:
    """Without ``releases``, ``get()`` asks the Simple API once and gives the same
    release list; with them, it asks nothing more."""
    before = clients.get(name)
    assert not any(path.startswith("/simple/") for path in upstream.counts())
    upstream.strip_releases = True
    after = clients.get(name)
    assert after.release_ids == before.release_ids
    assert after.yanked_release_ids == before.yanked_release_ids
    assert upstream.count(f"/simple/{name}/") == 1


@pytest.mark.parametrize(("status", "kept"), [(404, True), (406, True), (500, False)])
def test_get_without_a_simple_page(
    clients: Clients, upstream: Upstream, status: int, kept: bool
) -> None:
    """An index without the Simple API's JSON page leaves the latest release's files;
    another failure of it is the failure of ``get()``."""
    upstream.strip_releases = True
    upstream.inject("/simple/six/", status=status)
    if kept:
        package = clients.get("six")
        assert package.release_ids == ["1.17.0"]
    else:
        with pytest.raises(HTTPError):
            clients.get("six")


def test_clients_refuse_another_packages_answers(clients: Clients, upstream: Upstream) -> None:
    """A document, page or count of another package is refused by every reader."""
    flask = (upstream.fixtures / "pypi/flask.json").read_bytes()
    upstream.inject("/pypi/six/json", body=flask)
    with pytest.raises(InvalidResponseError, match="asked for 'six'"):
        clients.get("six")
    upstream.clear_faults()
    upstream.inject("/api/packages/six/recent", body=b'{"data": {}, "package": "flask"}')
    with pytest.raises(InvalidResponseError, match="asked for 'six'"):
        clients.downloads("six")
