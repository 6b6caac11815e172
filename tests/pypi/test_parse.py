"""The pure parser turns recorded PyPI documents into records, and refuses bad ones clearly;
``ProjectDocument`` is the one reader of the JSON API's document."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pypins.errors import InvalidResponseError
from pypins.pypi import (
    Downloads,
    Package,
    ProjectDocument,
    _parse,
    json2package,
    load_json,
    load_object,
    parse_package,
    parse_stats,
)
from pypins.pypi._parse import MAX_JSON_DEPTH
from tests.support.upstream import FIXTURES, derive_release_document, iter_fixture_names

Loader = Callable[[str], dict[str, Any]]
ALL_FIXTURES = list(iter_fixture_names())


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_recorded_document_parses(name: str, fixture_bytes: Callable[[str], bytes]) -> None:
    """Each recorded document gives a Package named after its fixture."""
    package = parse_package(fixture_bytes(f"pypi/{name}.json"))
    assert package.normalized_name == name
    assert package.latest_release_id
    assert package.release_ids == sorted(
        package.release_ids, key=lambda rid: min(f.uploaded for f in package.releases[rid])
    )


def test_yarg_attributes_of_yarg(pypi_document: Loader) -> None:
    """yarg's own document reads as yarg's documentation says."""
    package = parse_package(pypi_document("yarg"))
    assert package.name == "yarg"
    assert repr(package) == "<Package yarg>"
    assert package.pypi_url == "https://pypi.org/project/yarg/"
    assert package.summary
    assert package.description
    assert package.author.name == "Kura"
    assert package.author == (package.author.name, package.author.email)
    assert package.maintainer.name == package.maintainer[0]
    assert package.license == "MIT"
    assert package.license_from_classifiers == "MIT License"
    assert package.downloads == Downloads(day=-1, week=-1, month=-1)
    assert package.python_versions == ["3.10", "3.11", "3.12", "3.8", "3.9"]
    assert package.python_implementations == ["CPython", "PyPy"]
    assert package.latest_release_id == "0.1.10"
    assert package.release_ids[0] == "0.1.0"
    assert package.release_ids[-1] == "0.1.10"
    assert package.has_wheel
    assert package.has_source
    assert not package.has_egg


@pytest.mark.parametrize(
    ("name", "author", "maintainer"),
    [
        (
            "requests",
            ("Kenneth Reitz", "me@kennethreitz.org"),
            (
                "Ian Stapleton Cordasco, Nate Prewitt",
                "graffatcolmingov@gmail.com, nate.prewitt@gmail.com",
            ),
        ),
        ("flask", (None, None), ("Pallets", "contact@palletsprojects.com")),
        ("six", ("Benjamin Peterson", "benjamin@python.org"), (None, None)),
        (
            "numpy",
            ("Travis E. Oliphant et al.", None),
            (
                "NumPy Developers",
                "numpy-discussion@python.org",
            ),
        ),
    ],
)
def test_name_and_address_are_split(
    pypi_document: Loader,
    name: str,
    author: tuple[str | None, str | None],
    maintainer: tuple[str | None, str | None],
) -> None:
    """Metadata's "Name <address>" reads as yarg's (name, email)."""
    package = parse_package(pypi_document(name))
    assert (package.author, package.maintainer) == (author, maintainer)


def test_release_files_have_yargs_fields(pypi_document: Loader) -> None:
    """A release's files carry yarg's fields, typed, with upload times in UTC."""
    document = pypi_document("yarg")
    package = parse_package(document)
    files = package.release("0.1.10")
    assert files is not None
    assert files == package.latest_release
    by_type = {file.package_type: file for file in files}
    assert set(by_type) == {"wheel", "source"}
    wheel = by_type["wheel"]
    raw = next(f for f in document["urls"] if f["packagetype"] == "bdist_wheel")
    assert wheel.release_id == "0.1.10"
    assert wheel.filename == raw["filename"]
    assert wheel.url == raw["url"]
    assert wheel.size == raw["size"]
    assert wheel.md5_digest == raw["md5_digest"]
    assert wheel.sha256_digest == raw["digests"]["sha256"]
    assert wheel.python_version == raw["python_version"]
    assert wheel.has_sig is raw["has_sig"]
    assert wheel.uploaded.tzinfo is UTC
    assert wheel.uploaded.replace(tzinfo=None, microsecond=0) == datetime.fromisoformat(
        raw["upload_time"]
    )
    assert repr(wheel) == f"<Release 0.1.10 {raw['filename']}>"


def test_release_ids_are_ordered_by_upload_time(pypi_document: Loader) -> None:
    """release_ids sorts by first upload, not by version text (1.10 after 1.9)."""
    document = pypi_document("six")
    package = parse_package(document)
    expected = sorted(
        (min(f["upload_time_iso_8601"] for f in files), rid)
        for rid, files in document["releases"].items()
        if files
    )
    assert package.release_ids == [rid for _, rid in expected]
    assert package.release_ids.index("1.9.0") < package.release_ids.index("1.10.0")


def test_releases_without_files_are_kept_but_not_listed(pypi_document: Loader) -> None:
    """Empty releases stay in ``releases`` but not in release_ids; release() gives None."""
    document = pypi_document("requests")
    empty = [rid for rid, files in document["releases"].items() if not files]
    assert empty
    package = parse_package(document)
    for release_id in empty:
        assert release_id in package.releases
        assert release_id not in package.release_ids
        assert package.release(release_id) is None
    assert package.release("no-such-release") is None


def test_yanked_releases(pypi_document: Loader) -> None:
    """requests 2.32.0 and 2.32.1 are yanked, with a reason on each file."""
    package = parse_package(pypi_document("requests"))
    assert package.release_yanked("2.32.0")
    assert not package.release_yanked("2.31.0")
    assert not package.release_yanked("no-such-release")
    assert package.yanked_release_ids == ["2.32.0", "2.32.1"]
    files = package.release("2.32.0")
    assert files
    assert all(f.yanked and f.yanked_reason and "CVE-2024-35195" in f.yanked_reason for f in files)
    assert not package.yanked


def test_vulnerabilities_of_the_latest_release(pypi_document: Loader) -> None:
    """ecdsa's latest release has typed vulnerability records."""
    package = parse_package(pypi_document("ecdsa"))
    assert package.vulnerabilities
    first = package.vulnerabilities[0]
    assert first.id
    assert "CVE-2024-23342" in first.aliases
    assert isinstance(first.fixed_in, tuple)
    assert first.link
    assert first.link.startswith("https://")
    assert first.withdrawn is None
    assert first.details


@pytest.mark.parametrize(
    ("name", "expression", "license_text", "from_classifiers"),
    [
        ("pillow", "MIT-CMU", None, None),
        ("numpy", "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0", None, None),
        ("six", None, "MIT", "MIT License"),
        ("pycrypto", None, "Public domain", "Public Domain"),
        ("django-filter", None, None, "BSD License"),
        ("sklearn", None, None, None),
    ],
)
def test_licence_fields(
    pypi_document: Loader,
    name: str,
    expression: str | None,
    license_text: str | None,
    from_classifiers: str | None,
) -> None:
    """PEP 639 expressions, free-text licences and classifier licences are kept apart."""
    package = parse_package(pypi_document(name))
    assert package.license_expression == expression
    assert package.license == license_text
    assert package.license_from_classifiers == from_classifiers


@pytest.mark.parametrize(
    ("name", "wheel", "egg", "source"),
    [
        ("docopt", False, False, True),
        ("pycrypto", False, False, True),
        ("pypins-egg-only", False, True, False),
        ("requests", True, False, True),
    ],
)
def test_formats_of_the_latest_release(
    pypi_document: Loader, name: str, wheel: bool, egg: bool, source: bool
) -> None:
    """has_wheel/has_egg/has_source describe the latest release's files."""
    package = parse_package(pypi_document(name))
    assert (package.has_wheel, package.has_egg, package.has_source) == (wheel, egg, source)


def test_wheel_only_release_from_a_per_version_document(pypi_document: Loader) -> None:
    """A per-version document's ``urls`` are the files of its version (playwright 1.10.0)."""
    document = derive_release_document(pypi_document("playwright"), "1.10.0")
    assert document is not None
    package = parse_package(document)
    assert package.latest_release_id == "1.10.0"
    assert package.release_ids == ["1.10.0"]
    assert package.has_wheel
    assert not package.has_source
    assert package.vulnerabilities == ()


def test_prerelease_latest_version(pypi_document: Loader) -> None:
    """A project with only prereleases has a prerelease as its latest version."""
    package = parse_package(pypi_document("opentelemetry-instrumentation"))
    assert package.latest_release_id.endswith("b2")
    assert package.latest_release


def test_free_threaded_and_platform_wheels(pypi_document: Loader) -> None:
    """numpy has free-threaded (cp3XXt) and musllinux/windows/macOS wheels; 2.2.0 has cp313t."""
    package = parse_package(pypi_document("numpy"))
    filenames = [file.filename for file in package.latest_release]
    assert any(re.search(r"-cp3\d+t-", filename) for filename in filenames)
    for marker in ("musllinux", "win_amd64", "macosx", "manylinux"):
        assert any(marker in filename for filename in filenames), marker
    assert any("cp313t" in file.filename for file in package.release("2.2.0") or [])


def test_classifier_derived_facts(pypi_document: Loader) -> None:
    """Classifiers are kept in order and read through pypins.classifiers."""
    flask = parse_package(pypi_document("flask"))
    assert "Typing :: Typed" in flask.classifiers
    assert isinstance(flask.classifiers, tuple)
    django_filter = parse_package(pypi_document("django-filter"))
    assert any(c.startswith("Framework :: Django :: ") for c in django_filter.classifiers)
    assert django_filter.python_versions[:2] == ["3.11", "3.12"]
    bs4 = parse_package(pypi_document("bs4"))
    assert bs4.classifiers == ()
    assert bs4.python_versions == []
    assert bs4.license_from_classifiers is None


def test_name_normalisation(pypi_document: Loader) -> None:
    """``normalized_name`` is the PEP 503 form of PyPI's display name."""
    assert parse_package(pypi_document("django")).normalized_name == "django"
    assert parse_package(pypi_document("zope-interface")).name == "zope.interface"
    assert parse_package(pypi_document("zope-interface")).normalized_name == "zope-interface"


def test_extra_fields(pypi_document: Loader) -> None:
    """requires_python, project_urls and last_serial come through typed."""
    document = pypi_document("requests")
    package = parse_package(document)
    assert package.requires_python == document["info"]["requires_python"]
    assert dict(package.project_urls) == document["info"]["project_urls"]
    assert package.last_serial == document["last_serial"]
    with pytest.raises(TypeError):
        package.project_urls["x"] = "y"  # type: ignore[index]


def _minimal(**info: Any) -> dict[str, Any]:
    return {"info": {"name": "demo", "version": "1.0", **info}}


def _file(**fields: Any) -> dict[str, Any]:
    base = {
        "filename": "demo-1.0.tar.gz",
        "url": "https://files.example/demo-1.0.tar.gz",
        "packagetype": "sdist",
        "size": 10,
        "upload_time_iso_8601": "2024-01-02T03:04:05.123456Z",
    }
    return {**base, **fields}


def test_minimal_document() -> None:
    """Only ``info.name`` and ``info.version`` are required."""
    package = parse_package(_minimal())
    assert package.name == "demo"
    assert package.latest_release == []
    assert package.release_ids == []
    assert package.releases == {"1.0": ()}
    assert package.downloads == Downloads(-1, -1, -1)
    assert package.author == (None, None)
    assert package.last_serial is None
    assert not package.has_wheel


@pytest.mark.parametrize("empty", ["", "UNKNOWN", "unknown", " Unknown ", "  ", "None", None])
def test_empty_texts_become_none(empty: str | None) -> None:
    """``""``, ``UNKNOWN`` and friends are normalised to None once, at parse time."""
    fields = (
        "summary",
        "description",
        "home_page",
        "bugtrack_url",
        "docs_url",
        "license",
        "license_expression",
        "requires_python",
        "author",
        "author_email",
    )
    package = parse_package(_minimal(**dict.fromkeys(fields, empty)))
    assert package.summary is None
    assert package.description is None
    assert package.homepage is None
    assert package.bugtracker is None
    assert package.docs is None
    assert package.license is None
    assert package.license_expression is None
    assert package.requires_python is None
    assert package.author == (None, None)


def test_file_defaults_and_mapping() -> None:
    """Unknown package types are kept; naive upload times are read as UTC."""
    document = _minimal()
    document["urls"] = [
        _file(
            packagetype="bdist_wininst",
            upload_time_iso_8601=None,
            upload_time="2001-02-03T04:05:06",
        ),
        _file(packagetype="bdist_egg", upload_time_iso_8601="2001-02-03T06:05:06+02:00"),
    ]
    first, second = parse_package(document).latest_release
    assert first.package_type == "bdist_wininst"
    assert first.uploaded == datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert second.uploaded == first.uploaded
    assert second.package_type == "egg"
    assert first.has_sig is False
    assert first.sha256_digest is None


def test_releases_and_urls_agree() -> None:
    """``urls`` gives the latest files even when ``releases`` lacks the latest version."""
    document = _minimal()
    document["releases"] = {"0.9": [_file(filename="demo-0.9.tar.gz")]}
    document["urls"] = [_file()]
    package = parse_package(document)
    assert package.release_ids == ["0.9", "1.0"] or set(package.release_ids) == {"0.9", "1.0"}
    assert package.latest_release[0].filename == "demo-1.0.tar.gz"


def test_empty_urls_keep_the_recorded_files() -> None:
    """An empty ``urls`` does not erase the latest release's files from ``releases``."""
    document = _minimal()
    document["releases"] = {"1.0": [_file()]}
    document["urls"] = []
    assert parse_package(document).latest_release[0].filename == "demo-1.0.tar.gz"


def test_withdrawn_vulnerability() -> None:
    """A withdrawn advisory keeps its withdrawal time."""
    document = _minimal()
    document["vulnerabilities"] = [{"id": "X-1", "withdrawn": "2024-05-06T07:08:09Z"}]
    (vulnerability,) = parse_package(document).vulnerabilities
    assert vulnerability.withdrawn == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert vulnerability.aliases == ()


def test_texts_are_stripped() -> None:
    """Required and optional texts are read stripped, by one rule."""
    package = parse_package(_minimal(name=" demo ", version="1.0\n", summary="  A demo.\n"))
    assert (package.name, package.latest_release_id, package.summary) == ("demo", "1.0", "A demo.")


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


def _base() -> dict[str, Any]:
    document = _minimal(downloads={"last_day": 1}, project_urls={"Home": "https://x"})
    document["releases"] = {"1.0": [_file()]}
    document["urls"] = [_file()]
    document["vulnerabilities"] = [{"id": "V-1", "aliases": ["CVE-1"], "fixed_in": ["1.1"]}]
    document["last_serial"] = 5
    return document


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("info",), None, "info: expected an object, got null"),
        (("info",), [], "info: expected an object, got array"),
        (("info", "name"), 3, "info.name: expected a non-empty string, got int"),
        (("info", "name"), "", "info.name: expected a non-empty string, got string"),
        (("info", "version"), None, "info.version: expected a non-empty string, got null"),
        (("info", "summary"), 1.5, "info.summary: expected a string or null, got float"),
        (("info", "classifiers"), "Typing :: Typed", "info.classifiers: expected an array"),
        (("info", "classifiers"), [1], r"info.classifiers\[0\]: expected a string, got int"),
        (("info", "downloads"), [], "info.downloads: expected an object"),
        (("info", "downloads", "last_day"), "1", "info.downloads.last_day: expected an integer"),
        (("info", "downloads", "last_day"), True, "info.downloads.last_day: expected an integer"),
        (("info", "project_urls", "Home"), 1, r"info.project_urls\['Home'\]: expected a string"),
        (("info", "yanked"), "no", "info.yanked: expected a boolean, got string"),
        (("releases",), [], "releases: expected an object, got array"),
        (("releases", "1.0"), {}, r"releases\['1.0'\]: expected an array, got object"),
        (("releases", "1.0", 0), "x", r"releases\['1.0'\]\[0\]: expected an object"),
        (("releases", "1.0", 0, "size"), "10", r"releases\['1.0'\]\[0\].size: expected an integer"),
        (("releases", "1.0", 0, "url"), None, r"releases\['1.0'\]\[0\].url: expected a non-empty"),
        (("releases", "1.0", 0, "filename"), 7, r"\[0\].filename: expected a non-empty string"),
        (("releases", "1.0", 0, "packagetype"), None, r"\[0\].packagetype: expected a non-empty"),
        (("releases", "1.0", 0, "upload_time_iso_8601"), 5, r"\[0\].upload_time: expected a non"),
        (("releases", "1.0", 0, "upload_time_iso_8601"), "yesterday", "not an ISO 8601 time"),
        (("releases", "1.0", 0, "digests"), "abc", r"\[0\].digests: expected an object"),
        (("releases", "1.0", 0, "has_sig"), 1, r"\[0\].has_sig: expected a boolean, got int"),
        (("urls",), {}, "urls: expected an array, got object"),
        (("urls", 0, "size"), 1.0, r"urls\[0\].size: expected an integer, got float"),
        (("vulnerabilities",), {}, "vulnerabilities: expected an array"),
        (("vulnerabilities", 0, "id"), None, r"vulnerabilities\[0\].id: expected a non-empty"),
        (("vulnerabilities", 0, "aliases"), [None], r"vulnerabilities\[0\].aliases\[0\]"),
        (("vulnerabilities", 0, "withdrawn"), 3, r"vulnerabilities\[0\].withdrawn: expected"),
        (("last_serial",), "5", "last_serial: expected an integer, got string"),
    ],
)
def test_wrong_types_name_the_field(path: tuple[Any, ...], value: Any, message: str) -> None:
    """A wrong type anywhere raises InvalidResponseError naming the field."""
    with pytest.raises(InvalidResponseError, match=message):
        parse_package(_set(_base(), path, value))


def test_the_base_document_parses() -> None:
    """The document the table above breaks is valid as it is."""
    package = parse_package(_base())
    assert package.downloads == Downloads(1, -1, -1)
    assert package.project_urls == {"Home": "https://x"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"<html>502 Bad Gateway</html>", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        ('{"info": "caf\u00e9"}'.encode("latin-1"), "not UTF-8"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),
        (b"[]", "document: expected an object, got array"),
        (b"null", "document: expected an object, got null"),
        (b"{}", "info: expected an object, got null"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON"),
    ],
)
def test_bad_bodies(content: bytes, message: str) -> None:
    """Bodies that are not a UTF-8 JSON object raise InvalidResponseError."""
    with pytest.raises(InvalidResponseError, match=message):
        json2package(content)


def test_text_bodies_are_accepted() -> None:
    """A ``str`` body works as well as bytes."""
    assert parse_package(json.dumps(_minimal())).name == "demo"
    assert load_json("[1]") == [1]
    with pytest.raises(InvalidResponseError, match="stats: expected an object"):
        load_object(b"[]", "stats")


# The decoder is orjson; where it differs from the standard library, the difference is
# either refused here or caught by the field checks.


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_recorded_documents_decode_as_the_standard_library_does(
    name: str, fixture_bytes: Callable[[str], bytes]
) -> None:
    """Every recorded document decodes to exactly what ``json.loads`` gives."""
    content = fixture_bytes(f"pypi/{name}.json")
    assert load_json(content) == json.loads(content)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"a": NaN}', "not valid JSON"),
        (b'{"a": Infinity}', "not valid JSON"),
        (b'{"a": -Infinity}', "not valid JSON"),
        (b'{"a": 1e400}', "not valid JSON: number is infinity"),
        (b'{"a": ' + b"7" * 5000 + b"}", "not valid JSON"),
        (b'{"a": "\\ud800"}', "not valid JSON: .*surrogate"),
        (b'{"a": "\\udc00x"}', "not valid JSON: .*surrogate"),
        (b'{"a": "\xed\xa0\x80"}', "not UTF-8: invalid continuation byte"),
        (b'{"a": "\xc3"}', "not UTF-8: invalid continuation byte"),
        (b'{"a": "\xff"}', "not UTF-8: invalid start byte"),
        (b"\xef\xbb\xbf{}", "not valid JSON: .*byte order mark"),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "deeper than 1024 levels"),
        (b"[1] [2]", "not valid JSON: unexpected content"),
        (b'{"a": 1,}', "not valid JSON: trailing comma"),
    ],
)
def test_unportable_json_is_refused(content: bytes, message: str) -> None:
    """NaN, infinities, lone surrogates, bad UTF-8, deep nesting: refused, saying why."""
    with pytest.raises(InvalidResponseError, match=message):
        load_json(content, "body")


def test_lone_surrogates_in_text_bodies_are_not_utf8() -> None:
    """A ``str`` body holding a lone surrogate cannot be UTF-8 and says so."""
    with pytest.raises(InvalidResponseError, match="body is not UTF-8: surrogates not allowed"):
        load_json('{"a": "\ud800"}', "body")


def test_nesting_up_to_the_bound_decodes() -> None:
    """Exactly ``MAX_JSON_DEPTH`` levels decode; PyPI's documents use five."""
    value = load_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    for _ in range(MAX_JSON_DEPTH - 1):
        value = value[0]
    assert value == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"18446744073709551615", 2**64 - 1),
        (b"-9223372036854775808", -(2**63)),
        (b"18446744073709551616", float(2**64)),
        (b"-9223372036854775809", float(-(2**63) - 1)),
        (b'"\\ud83d\\ude00"', "\U0001f600"),
        (b'{"a": 1, "a": 2}', {"a": 2}),
    ],
)
def test_numbers_and_escapes(text: bytes, expected: object) -> None:
    """64-bit integers stay integers, larger ones become floats; pairs of surrogates join."""
    value = load_json(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("urls", 0, "size"), r"urls\[0\].size: expected an integer, got float"),
        (("last_serial",), "last_serial: expected an integer, got float"),
        (("info", "downloads", "last_day"), "last_day: expected an integer, got float"),
    ],
)
def test_integers_beyond_64_bits_are_refused_by_the_fields(
    path: tuple[Any, ...], message: str
) -> None:
    """An integer field holding 2**64 (a float once decoded) is an InvalidResponseError."""
    content = json.dumps(_set(_base(), path, 2**64)).encode()
    with pytest.raises(InvalidResponseError, match=message):
        json2package(content)


NO_SURROGATES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
PORTABLE_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | NO_SURROGATES,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(NO_SURROGATES, children, max_size=4)
    ),
    max_leaves=20,
)


@given(PORTABLE_JSON, st.booleans())
def test_decoding_agrees_with_the_standard_library(value: Any, ascii_only: bool) -> None:
    """Whatever ``json.dumps`` writes (finite numbers, 64-bit integers) decodes identically."""
    content = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert load_json(content) == json.loads(content)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"data": {"last_day": 1, "last_week": 2, "last_month": 3}}', Downloads(1, 2, 3)),
        (b'{"data": {"last_day": 1}, "package": "x"}', Downloads(1, -1, -1)),
    ],
)
def test_parse_stats(content: bytes, expected: Downloads) -> None:
    """pypistats.org's answer gives Downloads; missing periods are -1."""
    assert parse_stats(content) == expected
    assert parse_stats(json.loads(content)) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[]", "download stats: expected an object"),
        (b"{}", "data: expected an object, got null"),
        (b'{"data": {"last_day": "many"}}', "data.last_day: expected an integer"),
        (b"nope", "download stats is not valid JSON"),
    ],
)
def test_parse_stats_refuses_bad_answers(content: bytes, message: str) -> None:
    """A malformed stats answer raises InvalidResponseError."""
    with pytest.raises(InvalidResponseError, match=message):
        parse_stats(content)


# Hypothesis: nothing but a Package or InvalidResponseError comes out of the parser.

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=4) | st.dictionaries(
        st.text(max_size=12), children, max_size=4
    )


JSON_VALUES = st.recursive(JSON_SCALARS, _containers, max_leaves=20)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


_SIX = json.loads((FIXTURES / "pypi" / "six.json").read_bytes())
_SIX_PATHS = list(_paths(_SIX))


def _outcome(document: Any) -> Package | None:
    try:
        return parse_package(document)
    except InvalidResponseError:
        return None


@given(JSON_VALUES)
def test_random_json_never_escapes_as_another_error(value: Any) -> None:
    """Any JSON value gives a Package or an InvalidResponseError."""
    _outcome(value)
    _outcome({"info": value})
    _outcome({"info": {"name": "x", "version": "1"}, "releases": value, "urls": value})
    _outcome({"info": {"name": "x", "version": "1"}, "vulnerabilities": value})
    _outcome({"info": {"name": "x", "version": "1", "downloads": value, "project_urls": value}})


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=100)
@given(st.sampled_from(_SIX_PATHS), JSON_VALUES)
def test_mutated_real_documents_never_escape(path: tuple[Any, ...], value: Any) -> None:
    """Replacing any part of a real document gives a Package or an InvalidResponseError."""
    document = copy.deepcopy(_SIX)
    _set(document, path, value)
    _outcome(document)
    _outcome(json.dumps(document).encode())


@given(st.binary(max_size=64))
def test_random_bytes_never_escape(content: bytes) -> None:
    """Random bytes give an InvalidResponseError (or, rarely, a Package)."""
    _outcome(content)


# ProjectDocument: the one reader of the JSON API's document


def test_project_document_reads_what_parse_package_keeps(pypi_document: Loader) -> None:
    """Every property of a recorded document is the field its Package holds."""
    document = pypi_document("requests")
    project = ProjectDocument(document)
    package = parse_package(document)
    assert (project.name, project.version) == (package.name, package.latest_release_id)
    assert project.classifiers == package.classifiers
    assert project.license == package.license
    assert project.license_expression == package.license_expression
    assert project.requires_python == package.requires_python
    assert project.yanked is False
    assert project.yanked_reason is None
    assert project.last_serial == package.last_serial
    assert project.latest_files == package.releases[package.latest_release_id]
    assert project.vulnerabilities == package.vulnerabilities
    assert project.has_releases
    assert project.releases == dict(package.releases)
    assert project.pypi_url == package.pypi_url
    assert (project.summary, project.description) == (package.summary, package.description)
    assert (project.home_page, project.bugtrack_url, project.docs_url) == (
        package.homepage,
        package.bugtracker,
        package.docs,
    )
    assert (project.author, project.maintainer) == (package.author, package.maintainer)
    assert project.downloads == package.downloads
    assert project.project_urls == package.project_urls
    assert repr(project) == "<ProjectDocument requests>"


def test_project_document_without_optional_fields() -> None:
    """Absent fields read as nothing: no files, no releases, ``yanked`` unknown."""
    project = ProjectDocument(_minimal())
    assert project.yanked is None
    assert project.latest_files == ()
    assert project.vulnerabilities == ()
    assert not project.has_releases
    assert project.releases == {}
    assert project.highest_live_release() is None
    assert project.last_serial is None
    assert project.classifiers == ()
    with_null = ProjectDocument({**_minimal(), "releases": None})
    assert with_null.has_releases
    assert with_null.releases == {}
    assert with_null.highest_live_release() is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "document: expected an object, got array"),
        ({"info": None}, "info: expected an object, got null"),
    ],
)
def test_project_document_needs_an_object_with_info(document: Any, message: str) -> None:
    """The view checks the document and its ``info`` object when it is made."""
    with pytest.raises(InvalidResponseError, match=message):
        ProjectDocument(document)


def test_project_document_reads_a_field_only_when_asked() -> None:
    """A field nobody reads is never validated; reading it raises, naming it."""
    project = ProjectDocument(_minimal(summary=3, yanked="no"))
    assert project.name == "demo"
    with pytest.raises(InvalidResponseError, match=r"info\.summary: expected a string or null"):
        _ = project.summary
    with pytest.raises(InvalidResponseError, match=r"info\.yanked: expected a boolean"):
        _ = project.yanked


@pytest.mark.parametrize(
    ("releases", "expected"),
    [
        ({"1.0": [_file()], "2.0b1": [_file()], "2.0": [_file(yanked=True)]}, "2.0b1"),
        ({"1.0": [_file()], "3.0": [], "4.0": None, "x": [_file()]}, "1.0"),
        ({"1.0": [_file()], "1.0.0": [_file()]}, "1.0.0"),
        ({"1.0": [_file(yanked=True)]}, None),
        ({}, None),
    ],
)
def test_highest_live_release(releases: dict[str, Any], expected: str | None) -> None:
    """The highest release with a file that is not yanked, pre-releases included."""
    project = ProjectDocument({**_minimal(), "releases": releases})
    assert project.highest_live_release() == expected


def test_highest_live_release_reads_no_file(
    pypi_document: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The highest live release is found without parsing a single file (numpy has
    thousands), and only the winner's shape is checked."""
    calls: list[str] = []
    real = _parse.parse_release

    def counting(release_id: str, value: object, where: str) -> Any:
        calls.append(where)
        return real(release_id, value, where)

    monkeypatch.setattr(_parse, "parse_release", counting)
    numpy = ProjectDocument(pypi_document("numpy"))
    assert numpy.highest_live_release() == parse_package(pypi_document("numpy")).latest_release_id
    calls.clear()
    numpy.highest_live_release()
    assert calls == []
    broken = {"2.0": [_file()], "1.0": [{"size": "big"}], "0.5": "junk"}
    project = ProjectDocument({**_minimal(), "releases": broken})
    assert project.highest_live_release() == "2.0"
    with pytest.raises(InvalidResponseError, match=r"releases\['1.0'\]\[0\]"):
        _ = project.releases
    winner = ProjectDocument({**_minimal(), "releases": {"2.0": "junk", "1.0": [_file()]}})
    with pytest.raises(InvalidResponseError, match=r"releases\['2.0'\]: expected an array"):
        winner.highest_live_release()
