"""The Simple API and Integrity API readers, the release list rebuilt from the Simple API,
and the checks that an answer describes what was asked (read by the clients over HTTP
in ``tests/client/test_indexes.py``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from pypins.errors import InvalidResponseError
from pypins.pypi import (
    Provenance,
    Publisher,
    SimpleFile,
    check_project_answer,
    parse_package,
    parse_provenance,
    parse_simple_project,
    parse_stats,
    releases_from_simple,
    same_version,
)
from tests.support.upstream import FIXTURES, derive_simple_page, iter_fixture_names

Loader = Callable[[str], dict[str, Any]]
ALL_FIXTURES = list(iter_fixture_names())


def page(**changes: Any) -> dict[str, Any]:
    """A minimal Simple API page of ``demo`` (two versions, one yanked file)."""
    document: dict[str, Any] = {
        "meta": {"api-version": "1.4", "_last-serial": 7},
        "name": "demo",
        "project-status": {"status": "active"},
        "versions": ["1.0", "1.1"],
        "files": [
            {
                "filename": "demo-1.0.tar.gz",
                "url": "https://files.example/demo-1.0.tar.gz",
                "hashes": {"sha256": "ab" * 32},
                "requires-python": ">=3.9",
                "size": 10,
                "upload-time": "2026-01-01T10:00:00.000000Z",
                "yanked": False,
                "provenance": None,
            },
            {
                "filename": "demo-1.1-py3-none-any.whl",
                "url": "https://files.example/demo-1.1-py3-none-any.whl",
                "hashes": {"sha256": "cd" * 32},
                "requires-python": None,
                "size": 20,
                "upload-time": "2026-02-01T10:00:00Z",
                "yanked": "broken wheel",
                "provenance": "https://pypi.example/integrity/demo/1.1/x/provenance",
            },
        ],
    }
    document.update(changes)
    return document


# The Simple API


def test_a_simple_page_reads_as_pep_691_700_792_say() -> None:
    """Files, versions, yanking with its reason, provenance URLs, status and serial."""
    project = parse_simple_project(page(), "Demo")
    assert (project.name, project.versions, project.status, project.last_serial) == (
        "demo",
        ("1.0", "1.1"),
        "active",
        7,
    )
    assert project.api_version == "1.4"
    first, second = project.files
    assert first == SimpleFile(
        filename="demo-1.0.tar.gz",
        url="https://files.example/demo-1.0.tar.gz",
        sha256="ab" * 32,
        requires_python=">=3.9",
        size=10,
        uploaded=datetime(2026, 1, 1, 10, tzinfo=UTC),
    )
    assert (second.yanked, second.yanked_reason) == (True, "broken wheel")
    assert second.provenance_url is not None
    assert repr(project) == "<SimpleProject demo>"
    assert repr(first) == "<SimpleFile demo-1.0.tar.gz>"


@pytest.mark.parametrize(
    ("status", "reason"),
    [("active", None), ("archived", "moved"), ("deprecated", None), ("quarantined", None)],
)
def test_every_pep_792_status(status: str, reason: str | None) -> None:
    """Each status PEP 792 defines is read, with its reason."""
    marker = {"status": status} if reason is None else {"status": status, "reason": reason}
    project = parse_simple_project(page(**{"project-status": marker}))
    assert (project.status, project.status_reason) == (status, reason)


def test_an_older_api_version_is_read_with_defaults() -> None:
    """Before API 1.1 and 1.4 there are no versions, sizes, times or status: defaults."""
    document = page(meta={"api-version": "1.0"}, versions=None)
    del document["project-status"]
    for file in document["files"]:
        del file["size"], file["upload-time"]
    project = parse_simple_project(document)
    assert (project.versions, project.status) == ((), "active")
    assert project.files[0].uploaded is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"meta": {"api-version": "2.0"}}, "not 1.x"),
        ({"meta": {}}, "meta.api-version"),
        ({"name": "other"}, "describes 'other'"),
        ({"project-status": {"status": "gone"}}, "unknown status"),
        ({"project-status": "active"}, "project-status: expected an object"),
        ({"files": [{"filename": "x.tar.gz"}]}, r"files\[0\].url"),
        ({"files": [{**page()["files"][0], "yanked": 1}]}, "yanked"),
        ({"files": [{**page()["files"][0], "upload-time": "yesterday"}]}, "upload-time"),
        ({"versions": [1]}, r"versions\[0\]"),
    ],
)
def test_a_bad_simple_page_is_refused(changes: dict[str, Any], message: str) -> None:
    """A page of another shape, another major version or another project is refused."""
    with pytest.raises(InvalidResponseError, match=message):
        parse_simple_project(page(**changes), "demo")


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_releases_rebuilt_from_the_simple_api_match_the_json_api(
    name: str, pypi_document: Loader
) -> None:
    """For every recorded project, the Simple API's page gives the JSON API's releases
    (those with files) and their files, yanking included."""
    document = pypi_document(name)
    rebuilt = releases_from_simple(parse_simple_project(derive_simple_page(document)))
    expected = parse_package(document).releases
    for version, files in expected.items():
        if not files:
            continue
        got = {file.filename: file for file in rebuilt[version]}
        assert set(got) == {file.filename for file in files}, version
        for file in files:
            twin = got[file.filename]
            assert (twin.package_type, twin.yanked, twin.uploaded) == (
                file.package_type,
                file.yanked,
                file.uploaded,
            )


# The Integrity API


def statement(*names: str) -> str:
    """A base64 in-toto statement naming ``names``."""
    subjects = [{"name": name, "digest": {"sha256": "00" * 32}} for name in names]
    body = {"_type": "https://in-toto.io/Statement/v1", "subject": subjects}
    return base64.b64encode(json.dumps(body).encode()).decode()


def provenance(*bundles: tuple[dict[str, Any], list[str]]) -> dict[str, Any]:
    """A provenance object: each bundle a publisher and its attestations' statements."""
    return {
        "version": 1,
        "attestation_bundles": [
            {
                "publisher": publisher,
                "attestations": [
                    {"version": 1, "envelope": {"statement": text, "signature": "c2ln"}}
                    for text in statements
                ],
            }
            for publisher, statements in bundles
        ],
    }


GITHUB = {"kind": "GitHub", "repository": "psf/requests", "workflow": "publish.yml"}
GITLAB = {"kind": "GitLab", "repository": "group/demo", "workflow_filepath": ".gitlab-ci.yml"}
GOOGLE = {"kind": "Google", "email": "release@demo.iam.gserviceaccount.com"}


@pytest.mark.parametrize(
    ("publisher", "label"),
    [
        (GITHUB, "github psf/requests"),
        (GITLAB, "gitlab group/demo"),
        (GOOGLE, "google release@demo.iam.gserviceaccount.com"),
        ({"kind": "ActiveState"}, "activestate"),
    ],
)
def test_provenance_names_its_publisher(publisher: dict[str, Any], label: str) -> None:
    """Each Trusted Publisher kind PyPI knows reads as ``<kind> <identity>``."""
    found = parse_provenance(
        provenance((publisher, [statement("demo-1.0.tar.gz")])), "demo-1.0.tar.gz"
    )
    assert found.attestations == 1
    assert found.publishers[0].label == label


def test_the_recorded_provenance_reads() -> None:
    """The derived fixture of sampleproject's sdist reads as PyPI's example says."""
    path = FIXTURES / "integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz.provenance.json"
    found = parse_provenance(path.read_bytes(), "sampleproject-4.0.0.tar.gz")
    assert found == Provenance(
        "sampleproject-4.0.0.tar.gz",
        (Publisher("GitHub", "pypa/sampleproject", "release.yml", None),),
        1,
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (provenance((GITHUB, [statement("other-1.0.tar.gz")])), "attests"),
        (provenance((GITHUB, ["not base64!"])), "not base64"),
        (provenance((GITHUB, [base64.b64encode(b"[]").decode()])), "expected an object"),
        (provenance(({"repository": "x/y"}, [statement("demo-1.0.tar.gz")])), "kind"),
        ({"attestation_bundles": {}}, "expected an array"),
    ],
)
def test_a_bad_provenance_is_refused(document: dict[str, Any], message: str) -> None:
    """Provenance of another file, or of the wrong shape, is invalid response data."""
    with pytest.raises(InvalidResponseError, match=message):
        parse_provenance(document, "demo-1.0.tar.gz")


# An answer must answer the question


@pytest.mark.parametrize(
    ("answered", "asked", "version", "refusal"),
    [
        ({"name": "Django", "version": "6.1.3"}, "django", None, None),
        ({"name": "zope.interface", "version": "8.7"}, "zope-interface", None, None),
        ({"name": "flask", "version": "3.1.3"}, "django", None, "asked for"),
        ({"name": "django", "version": "3.2"}, "django", "3.2.0", None),
        ({"name": "django", "version": "3.2"}, "django", "3.1", "asked for"),
        ({"name": "django", "version": "weird"}, "django", "weird", None),
        ({"name": "django", "version": "1." + "9" * 5000}, "django", "1.0", "4300 digits"),
    ],
)
def test_a_document_must_describe_what_was_asked(
    answered: dict[str, str], asked: str, version: str | None, refusal: str | None
) -> None:
    """Another project's (or another release's) document is refused, and so is one
    whose release holds a number past the bound."""
    document = {"info": answered}
    if refusal is not None:
        with pytest.raises(InvalidResponseError, match=refusal):
            check_project_answer(document, asked, version)
    else:
        check_project_answer(document, asked, version)


def test_same_version() -> None:
    """PEP 440-equal spellings are one release; texts that are not versions compare as text."""
    assert same_version("1.0", "1.0.0")
    assert same_version("x", "x")
    assert not same_version("1.0", "1.1")
    assert not same_version("x", "y")


def test_stats_must_describe_the_package_asked_for() -> None:
    """pypistats' answer names its package; another (or none) is refused."""
    body = {"data": {"last_day": 1, "last_week": 2, "last_month": 3}, "package": "six"}
    assert parse_stats(body, "Six") == (1, 2, 3)
    with pytest.raises(InvalidResponseError, match="asked for 'flask'"):
        parse_stats(body, "flask")
    with pytest.raises(InvalidResponseError, match="package"):
        parse_stats({"data": body["data"]}, "six")
