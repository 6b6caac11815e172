"""Facts extraction from PyPI and pypistats documents, and the cache round trip."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from pypins.badges import (
    FACTS_SCHEMA_VERSION,
    KINDS,
    LEGACY_KINDS,
    DownloadFacts,
    PackageFacts,
    download_facts_from_json,
    facts_from_json,
)
from pypins.errors import InvalidFactsError, InvalidResponseError, PypinsError
from pypins.pypi import parse_package
from tests.badges.support import NOW, make_document, make_facts, sdist, wheel


def test_minimal_document_gives_minimal_facts() -> None:
    """A bare document gives the name, version, one source file and defaults elsewhere."""
    facts = facts_from_json(make_document())
    assert facts == PackageFacts(
        name="demo",
        normalized_name="demo",
        version="1.0",
        highest_version="1.0",
        file_kinds=("source",),
        upload_time=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        last_serial=42,
        provenance_file="demo-1.0.tar.gz",
    )


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("Django", "django"),
        ("typing_extensions", "typing-extensions"),
        ("zope.interface", "zope-interface"),
    ],
)
def test_names_are_normalised(name: str, normalized: str) -> None:
    """The PEP 503 name is kept beside PyPI's spelling."""
    facts = make_facts(name=name)
    assert (facts.name, facts.normalized_name) == (name, normalized)


def test_classifiers_are_read_in_one_pass() -> None:
    """Each classifier family lands in its field, in listed order, without repeats."""
    facts = make_facts(
        classifiers=[
            "Development Status :: 5 - Production/Stable",
            "Framework :: Django",
            "Framework :: Django :: 4.2",
            "Framework :: Jupyter :: JupyterLab :: 4",
            "License :: OSI Approved :: MIT License",
            "License :: OSI Approved :: MIT License",
            "Programming Language :: Python",
            "Programming Language :: Python :: 3",
            "Programming Language :: Python :: 3 :: Only",
            "Programming Language :: Python :: 3.12",
            "Programming Language :: Python :: 3.9",
            "Programming Language :: Python :: Implementation :: CPython",
            "Programming Language :: Python :: Implementation :: Stackless Python",
            "Typing :: Typed",
            "Typing :: Stubs Only",
        ]
    )
    assert facts.development_statuses == ("5 - Production/Stable",)
    assert facts.framework_versions == (("Django", "4.2"), ("Jupyter :: JupyterLab", "4"))
    assert facts.license_classifiers == ("OSI Approved :: MIT License",)
    assert facts.python_versions == ("3", "3.12", "3.9")
    assert facts.python_only_majors == ("3",)
    assert facts.implementations == ("CPython",)
    assert facts.typed
    assert facts.stubs_only


@pytest.mark.parametrize(
    ("license_field", "expected"),
    [
        ("MIT", "MIT"),
        ("  Apache 2.0  ", "Apache 2.0"),
        ("", None),
        ("UNKNOWN", None),
        ("unknown", None),
        (None, None),
        ("x" * 39, "x" * 39),
        ("x" * 40, None),
        ("MIT\nPermission is hereby granted", None),
    ],
)
def test_short_licence_fields_are_kept(license_field: str | None, expected: str | None) -> None:
    """Only a short one-line ``license`` is a licence name (shields' 40-character rule)."""
    assert make_facts(license=license_field).license == expected


@pytest.mark.parametrize(("value", "expected"), [("", None), ("UNKNOWN", None), ("MIT", "MIT")])
def test_empty_spellings_become_none(value: str, expected: str | None) -> None:
    """``""`` and ``UNKNOWN`` mean "not set" in every optional string field."""
    facts = make_facts(license_expression=value, requires_python=value)
    assert facts.license_expression == expected
    assert facts.requires_python == expected


def test_missing_optional_fields_are_none() -> None:
    """A document without the optional keys still gives facts."""
    facts = facts_from_json({"info": {"name": "demo", "version": "1.0"}})
    assert facts.file_kinds == ()
    assert facts.highest_version is None
    assert facts.last_serial is None
    assert facts.upload_time is None
    assert not facts.yanked


@pytest.mark.parametrize(
    ("packagetype", "kind"),
    [
        ("bdist_wheel", "wheel"),
        ("sdist", "source"),
        ("bdist_egg", "egg"),
        ("bdist_wininst", "bdist_wininst"),
    ],
)
def test_file_kinds_are_normalised(packagetype: str, kind: str) -> None:
    """``bdist_wheel``, ``sdist`` and ``bdist_egg`` become wheel, source and egg."""
    document = make_document(urls=[{"packagetype": packagetype, "filename": "x"}])
    assert facts_from_json(document).file_kinds == (kind,)


def test_wheel_tags_are_expanded_and_sorted() -> None:
    """Compressed tag sets expand; interpreter and ABI stay paired; platforms are kept raw."""
    document = make_document(
        urls=[
            wheel("demo-1.0-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
            wheel("demo-1.0-1build-py2.py3-none-any.whl"),
            wheel("Demo-1.0-CP39-ABI3-WIN_AMD64.whl"),
            wheel("not-a-wheel.zip"),
            wheel("too-few.whl"),
        ]
    )
    facts = facts_from_json(document)
    assert facts.wheel_pythons == ("cp313-cp313t", "cp39-abi3", "py2-none", "py3-none")
    assert facts.wheel_platforms == (
        "any",
        "manylinux2014_x86_64",
        "manylinux_2_17_x86_64",
        "win_amd64",
    )
    assert facts.has_wheel
    assert not facts.has_egg


def test_upload_time_is_the_first_upload_in_utc() -> None:
    """The earliest file's upload time counts; naive ``upload_time`` is read as UTC."""
    document = make_document(
        urls=[
            wheel("demo-1.0-py3-none-any.whl", upload_time_iso_8601="2026-11-02T00:00:00+02:00"),
            {
                "packagetype": "sdist",
                "filename": "demo-1.0.tar.gz",
                "upload_time": "2026-11-01T23:00:00",
            },
            {"packagetype": "sdist", "filename": "demo-1.0.zip", "upload_time": "2026-11-03"},
        ]
    )
    assert facts_from_json(document).upload_time == datetime(2026, 11, 1, 22, 0, tzinfo=UTC)


def test_highest_version_skips_yanked_empty_and_invalid_releases() -> None:
    """Pre-releases count; yanked-only, file-less and non-PEP 440 releases do not."""
    releases = {
        "1.0": [sdist()],
        "2.0b1": [sdist()],
        "2.0": [sdist(yanked=True)],
        "3.0": [],
        "not a version": [sdist()],
    }
    assert facts_from_json(make_document(releases=releases)).highest_version == "2.0b1"


def test_pinned_documents_ignore_releases() -> None:
    """A per-version document's releases never pick another version."""
    document = make_document(releases={"1.0": [sdist()], "2.0": [sdist()]})
    assert facts_from_json(document, pinned=True).highest_version is None
    assert facts_from_json(document).highest_version == "2.0"


@pytest.mark.parametrize("releases", [None, {}, {"1.0": [sdist(yanked=True)]}])
def test_highest_version_is_none_without_usable_releases(releases: Any) -> None:
    """Per-version documents without releases give no highest version."""
    document = make_document(releases=releases)
    assert facts_from_json(document).highest_version is None


@pytest.mark.parametrize(
    ("releases", "expected"),
    [
        ({"1.0": [sdist()], "1.0.0": [sdist()]}, "1.0.0"),
        ({"1.0.0": [sdist()], "1.0": [sdist()]}, "1.0.0"),
        ({"1.0": [sdist()], "1.0.0": [sdist(yanked=True)]}, "1.0"),
        ({"1.0": {}, "0.9": [1], "2.0": [sdist()]}, "2.0"),
        ({"3.0": [sdist(yanked=True)] * 2, "2.0": [], "1.0": [sdist(yanked=True), sdist()]}, "1.0"),
        ({"1" * 5000: [sdist()], "1.0": [sdist()]}, "1.0"),
        ({"1!0.1": [sdist()], "9.0": [sdist()]}, "1!0.1"),
        ({"2.0.dev1": [sdist()], "2.0a1": [sdist()], "1.9.post1": [sdist()]}, "2.0a1"),
    ],
)
def test_highest_version_edge_cases(releases: dict[str, Any], expected: str) -> None:
    """Spellings of one version, malformed lower releases, unparsable keys, epochs, phases."""
    assert facts_from_json(make_document(releases=releases)).highest_version == expected


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _highest_by_sorting(releases: dict[str, Any]) -> str | None:
    """The definition: sort every PEP 440 key, highest first; the first with a live file
    (a release of null has no files)."""
    candidates = []
    for key in releases:
        with contextlib.suppress(ValueError):
            candidates.append((Version(key), key))
    for _, key in sorted(candidates, reverse=True):
        files = releases[key]
        if files is None:
            continue
        if not isinstance(files, list):
            raise InvalidResponseError(
                f"releases[{key!r}]: expected an array, got {_json_type(files)}"
            )
        for index, file in enumerate(files):
            if not isinstance(file, dict):
                raise InvalidResponseError(
                    f"releases[{key!r}][{index}]: expected an object, got {_json_type(file)}"
                )
            if file.get("yanked") is not True:
                return key
    return None


RELEASE_KEYS = st.sampled_from(
    ["1.0", "1.0.0", "1", "1.0a1", "1.0.post1", "1.0.dev0", "1!0.5", "1.0+local", "2.0rc1", "x"]
)
RELEASE_FILES = st.lists(
    st.sampled_from([{"yanked": True}, {"yanked": False}, {}, {"yanked": "yes"}, 1, None]),
    max_size=3,
) | st.sampled_from([{}, "x", None])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(RELEASE_KEYS, RELEASE_FILES, max_size=8))
def test_highest_version_matches_sorting_every_release(releases: dict[str, Any]) -> None:
    """The one-pass search gives what sorting every release gives, errors included."""
    try:
        expected: object = _highest_by_sorting(releases)
    except InvalidResponseError as error:
        expected = str(error)
    try:
        found: object = facts_from_json(make_document(releases=releases)).highest_version
    except InvalidResponseError as error:
        found = str(error)
    assert found == expected


@pytest.mark.parametrize(
    ("yanked", "files", "expected"),
    [
        (True, [sdist()], True),
        (False, [sdist(yanked=True)], False),
        (None, [sdist(yanked=True), sdist(yanked=True)], True),
        (None, [sdist(yanked=True), sdist()], False),
        (None, [], False),
    ],
)
def test_yanked_release(yanked: bool | None, files: list[Any], expected: bool) -> None:
    """``info.yanked`` decides; without it, a release whose files are all yanked is yanked."""
    document = make_document(urls=files, info={"yanked": yanked})
    assert facts_from_json(document).yanked is expected


def test_withdrawn_vulnerabilities_do_not_count() -> None:
    """Only vulnerabilities without a ``withdrawn`` date are counted."""
    vulnerabilities = [
        {"id": "PYSEC-1", "withdrawn": None},
        {"id": "PYSEC-2"},
        {"id": "PYSEC-3", "withdrawn": "2024-01-01T00:00:00Z"},
    ]
    document = make_document(vulnerabilities=vulnerabilities)
    assert facts_from_json(document).vulnerabilities == 2
    assert facts_from_json(make_document(vulnerabilities=None)).vulnerabilities == 0


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "document: expected an object, got array"),
        ({}, "info: expected an object, got null"),
        ({"info": []}, "info: expected an object, got array"),
        ({"info": {"version": "1"}}, "info.name"),
        ({"info": {"name": "x", "version": " "}}, "info.version"),
        ({"info": {"name": "x", "version": 1}}, "info.version"),
        (make_document(info={"classifiers": "Typing :: Typed"}), "info.classifiers"),
        (make_document(info={"classifiers": [1]}), "info.classifiers"),
        (make_document(info={"license": 3}), "info.license"),
        (make_document(info={"yanked": "no"}), "info.yanked"),
        (make_document(urls={}), "urls: expected an array, got object"),
        (make_document(urls=[1]), r"urls\[0\]: expected an object, got int"),
        (make_document(urls=[{"filename": "x"}]), "packagetype"),
        (make_document(urls=[{"packagetype": "sdist", "filename": 1}]), "filename"),
        (make_document(urls=[{"packagetype": "sdist", "upload_time": 1}]), "upload_time"),
        (make_document(urls=[{"packagetype": "sdist", "upload_time": "soon"}]), "not an ISO 8601"),
        (make_document(releases=[]), "releases: expected an object, got array"),
        (make_document(releases={"1.0": {}}), r"releases\['1.0'\]: expected an array"),
        (make_document(releases={"1.0": [1]}), r"releases\['1.0'\]\[0\]: expected an object"),
        (make_document(vulnerabilities={}), "vulnerabilities: expected an array, got object"),
        (make_document(vulnerabilities=[1]), r"vulnerabilities\[0\]: expected an object"),
        (make_document(last_serial="1"), "last_serial"),
        (make_document(last_serial=True), "last_serial"),
    ],
)
def test_malformed_documents_raise_invalid_response(document: Any, message: str) -> None:
    """Each wrong shape of a read field is an ``InvalidResponseError`` naming the field."""
    with pytest.raises(InvalidResponseError, match=message):
        facts_from_json(document)


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"info": None},
        make_document(info={"name": " "}),
        make_document(info={"classifiers": [1]}),
        make_document(info={"license": 3}),
        make_document(urls=[sdist(size="1")]),
        make_document(vulnerabilities=[{"id": None}]),
        make_document(last_serial=1.5),
    ],
)
def test_the_client_and_the_badges_refuse_alike(document: Any) -> None:
    """One reader of the document: the client and the badges refuse with one message."""
    with pytest.raises(InvalidResponseError) as client_error:
        parse_package(document)
    with pytest.raises(InvalidResponseError) as badge_error:
        facts_from_json(document)
    assert str(badge_error.value) == str(client_error.value)


def test_unread_fields_are_not_validated() -> None:
    """Fields badges do not read may have any shape."""
    document = make_document(info={"description": 3, "project_urls": "x"}, ownership=None)
    assert facts_from_json(document).version == "1.0"


def test_download_facts_from_pypistats() -> None:
    """pypistats' ``recent`` document gives day, week and month counts."""
    data = {"data": {"last_day": 1, "last_week": 7, "last_month": 30}, "package": "x"}
    assert download_facts_from_json(data) == DownloadFacts(day=1, week=7, month=30)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"data": []},
        {"data": {"last_day": 1, "last_week": 7}},
        {"data": {"last_day": -1, "last_week": 7, "last_month": 30}},
        {"data": {"last_day": 1.5, "last_week": 7, "last_month": 30}},
        {"data": {"last_day": True, "last_week": 7, "last_month": 30}},
        {"data": {"last_day": 2**64, "last_week": 7, "last_month": 30}},
        {"data": {"last_day": 10**400, "last_week": 7, "last_month": 30}},
    ],
)
def test_malformed_pypistats_documents(data: Any) -> None:
    """Missing, negative, non-integer counts or counts past 64 bits (a badge's
    arithmetic overflows on them) are an ``InvalidResponseError``."""
    with pytest.raises(InvalidResponseError):
        download_facts_from_json(data)


def test_package_facts_round_trip_through_json() -> None:
    """``to_dict`` is JSON-serialisable and ``from_dict`` rebuilds an equal record."""
    document = make_document(
        info={
            "classifiers": ["Framework :: Django :: 5.0", "Typing :: Typed"],
            "requires_python": ">=3.9",
        },
        urls=[wheel("demo-1.0-py3-none-any.whl"), sdist()],
    )
    facts = facts_from_json(document)
    encoded = json.loads(json.dumps(facts.to_dict()))
    assert encoded["schema"] == FACTS_SCHEMA_VERSION
    assert PackageFacts.from_dict(encoded) == facts


def test_download_facts_round_trip_through_json() -> None:
    """Download facts survive ``to_dict``/``from_dict`` through JSON."""
    facts = DownloadFacts(day=1, week=2, month=3)
    assert DownloadFacts.from_dict(json.loads(json.dumps(facts.to_dict()))) == facts


#: More digits than Python's default int-string limit (4,300).
HUGE = "9" * 5000


#: Upstream oddities in the fields badges read as numbers, each with what the facts keep.
HUGE_NUMBERS = {
    "python-classifier": (
        {
            "classifiers": [
                "Programming Language :: Python :: 3.12",
                f"Programming Language :: Python :: 3.{HUGE}",
            ]
        },
        {"python_versions": ("3.12",)},
    ),
    "python-only-classifier": (
        {"classifiers": [f"Programming Language :: Python :: {HUGE} :: Only"]},
        {"python_only_majors": ()},
    ),
    "framework-classifier": (
        {"classifiers": ["Framework :: Django :: 5.0", f"Framework :: Django :: 5.{HUGE}"]},
        {"framework_versions": (("Django", "5.0"),)},
    ),
    "requires-python": ({"requires_python": f">=3.{HUGE}"}, {"requires_python": None}),
    "requires-python-patch": ({"requires_python": f"==3.8.{HUGE}"}, {"requires_python": None}),
}

#: Wheel names with a tag past the bound, each with the tags the facts keep.
HUGE_WHEELS = {
    "cpython-tag": (f"demo-1.0-cp3{HUGE}-cp3{HUGE}t-any.whl", (), ("any",)),
    "generic-tag": (f"demo-1.0-py3{HUGE}-none-any.whl", (), ("any",)),
    "platform-tag": (f"demo-1.0-py3-none-manylinux_2_{HUGE}_x86_64.whl", ("py3-none",), ()),
}


def _render_every_pypi_badge(facts: PackageFacts) -> None:
    """Render every badge that reads the JSON API's record; only pypins' errors may
    come out (a bad badge parameter, for one)."""
    for kind in (*KINDS.values(), *LEGACY_KINDS.values()):
        if kind.source != "pypi":
            continue
        params = dict.fromkeys(kind.path_params, "django")
        with contextlib.suppress(PypinsError):
            kind.render(facts, params, now=NOW)


@pytest.mark.parametrize(("info", "kept"), HUGE_NUMBERS.values(), ids=HUGE_NUMBERS.keys())
def test_numbers_past_the_bound_are_left_out(info: dict[str, Any], kept: dict[str, Any]) -> None:
    """A classifier or specifier holding a number ``int()`` refuses is left out of the
    facts, and every badge renders from them."""
    facts = facts_from_json(make_document(info=info))
    assert {name: getattr(facts, name) for name in kept} == kept
    _render_every_pypi_badge(facts)
    assert PackageFacts.from_dict(facts.to_dict()) == facts


@pytest.mark.parametrize(
    ("filename", "pythons", "platforms"), HUGE_WHEELS.values(), ids=HUGE_WHEELS.keys()
)
def test_wheel_tags_past_the_bound_are_left_out(
    filename: str, pythons: tuple[str, ...], platforms: tuple[str, ...]
) -> None:
    """A wheel tag holding a number past the bound is left out; the others are kept."""
    facts = facts_from_json(make_document(urls=[wheel(filename)]))
    assert (facts.wheel_pythons, facts.wheel_platforms) == (pythons, platforms)
    assert facts.file_kinds == ("wheel",)
    _render_every_pypi_badge(facts)


def test_a_release_past_the_bound_is_invalid_data() -> None:
    """The release a document describes is required: past the bound, invalid data."""
    with pytest.raises(InvalidResponseError, match="4300 digits"):
        facts_from_json(make_document(info={"version": "1." + HUGE}))


def test_a_release_key_past_the_bound_is_never_the_highest() -> None:
    """A release key past the bound is skipped when the highest release is sought."""
    facts = facts_from_json(make_document(releases={"1.0": [sdist()], "2." + HUGE: [sdist()]}))
    assert facts.highest_version == "1.0"


def _encoded() -> dict[str, Any]:
    return make_facts(classifiers=["Framework :: Django :: 5.0"]).to_dict()


def _with(**changes: Any) -> dict[str, Any]:
    record = _encoded()
    record.update(changes)
    return record


def _without(key: str) -> dict[str, Any]:
    record = _encoded()
    del record[key]
    return record


@pytest.mark.parametrize(
    "record",
    [
        None,
        [],
        _with(schema=FACTS_SCHEMA_VERSION + 1),
        _with(schema=None),
        _with(type="downloads"),
        _without("version"),
        _with(name=1),
        _with(highest_version=2),
        _with(typed="yes"),
        _with(vulnerabilities=-1),
        _with(vulnerabilities=True),
        _with(last_serial="1"),
        _with(python_versions="3.9"),
        _with(python_versions=[3.9]),
        _with(framework_versions="Django"),
        _with(framework_versions=[["Django"]]),
        _with(framework_versions=["Django"]),
        _with(upload_time="yesterday"),
        _with(upload_time="2026-01-01T00:00:00"),
        _with(version="1." + HUGE),
        _with(highest_version="1." + HUGE),
        _with(python_versions=["3." + HUGE]),
        _with(python_only_majors=[HUGE]),
        _with(framework_versions=[["Django", "5." + HUGE]]),
        _with(requires_python=">=3." + HUGE),
        _with(wheel_pythons=["cp3" + HUGE + "-cp3" + HUGE]),
        _with(wheel_platforms=["manylinux_2_" + HUGE + "_x86_64"]),
    ],
)
def test_foreign_or_corrupt_records_are_refused(record: Any) -> None:
    """Anything ``to_dict`` did not write is an ``InvalidFactsError``."""
    with pytest.raises(InvalidFactsError):
        PackageFacts.from_dict(record)


@pytest.mark.parametrize(
    "record",
    [
        {"schema": FACTS_SCHEMA_VERSION, "type": "downloads", "day": 1, "week": 1},
        {"schema": FACTS_SCHEMA_VERSION, "type": "downloads", "day": 1, "week": 1, "month": -1},
        {"schema": FACTS_SCHEMA_VERSION, "type": "package", "day": 1, "week": 1, "month": 1},
    ],
)
def test_corrupt_download_records_are_refused(record: Any) -> None:
    """Download records with a missing or negative count, or of another type, are refused."""
    with pytest.raises(InvalidFactsError):
        DownloadFacts.from_dict(record)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
FIELD_VALUES = JSON | st.sampled_from(["", "UNKNOWN", "1.0", ">=3.9", "2026-01-01T00:00:00Z"])


INFO_KEYS = (
    "name",
    "version",
    "classifiers",
    "license",
    "license_expression",
    "requires_python",
    "yanked",
)


@st.composite
def near_documents(draw: st.DrawFn) -> Any:
    """Documents of roughly the right shape with random values in the read fields."""
    info = draw(
        st.fixed_dictionaries(
            {},
            optional=dict.fromkeys(INFO_KEYS, FIELD_VALUES),
        )
    )
    file = st.fixed_dictionaries(
        {},
        optional={
            "packagetype": st.sampled_from(["sdist", "bdist_wheel", "bdist_egg"]) | FIELD_VALUES,
            "filename": st.sampled_from(["a-1-py3-none-any.whl", "a.tar.gz"]) | FIELD_VALUES,
            "url": st.just("https://files.example/a") | FIELD_VALUES,
            "size": st.integers(0, 10**6) | FIELD_VALUES,
            "upload_time_iso_8601": FIELD_VALUES,
            "upload_time": FIELD_VALUES,
            "yanked": FIELD_VALUES,
        },
    )
    return draw(
        st.fixed_dictionaries(
            {"info": st.just(info) | FIELD_VALUES},
            optional={
                "urls": st.lists(file | FIELD_VALUES, max_size=3) | FIELD_VALUES,
                "releases": st.dictionaries(
                    st.sampled_from(["1.0", "2.0rc1", "x"]),
                    st.lists(file | FIELD_VALUES, max_size=2) | FIELD_VALUES,
                )
                | FIELD_VALUES,
                "vulnerabilities": st.lists(
                    st.fixed_dictionaries({}, optional={"withdrawn": FIELD_VALUES}) | FIELD_VALUES,
                    max_size=2,
                )
                | FIELD_VALUES,
                "last_serial": FIELD_VALUES,
            },
        )
    )


@settings(max_examples=300, deadline=None)
@given(near_documents() | JSON)
def test_facts_from_json_only_raises_invalid_response(document: Any) -> None:
    """Any JSON value either gives facts that round-trip or raises ``InvalidResponseError``."""
    try:
        facts = facts_from_json(document)
    except InvalidResponseError:
        return
    assert PackageFacts.from_dict(json.loads(json.dumps(facts.to_dict()))) == facts


@settings(max_examples=100, deadline=None)
@given(JSON)
def test_download_facts_only_raise_invalid_response(document: Any) -> None:
    """Any JSON value either gives download facts or raises ``InvalidResponseError``."""
    with contextlib.suppress(InvalidResponseError):
        download_facts_from_json(document)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_from_dict_only_raises_invalid_facts(record: Any) -> None:
    """Random records are refused with ``InvalidFactsError``, never another exception."""
    for kind in (PackageFacts, DownloadFacts):
        with contextlib.suppress(InvalidFactsError):
            kind.from_dict(record)
