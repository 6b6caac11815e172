"""The document readers against upstream documents gone wrong: PyPI-shaped documents
built from the recorded fixtures, then mutated (values of another type, numbers past
Python's int-string limit, odd strings, keys gone or added), for the JSON API, the
Simple API, the Integrity API, pypistats and the RSS feeds.

Whatever the document, a reader gives its record or raises ``InvalidResponseError``,
the one exception documented for an upstream's data; and whatever record it gives,
every badge renders from it (a badge may refuse only with pypins' own errors), and it
survives the cache's round trip. Examples are bounded (``EXAMPLES``, as the rest of
the fuzz suite) and derandomized in CI by the suite's hypothesis profile.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from pypins.badges import (
    EXAMPLE_NOW,
    KINDS,
    LEGACY_KINDS,
    DownloadFacts,
    IndexFacts,
    PackageFacts,
    download_facts_from_json,
    facts_from_json,
    index_facts,
)
from pypins.client import _http
from pypins.errors import InvalidFactsError, InvalidResponseError, PypinsError
from pypins.pypi import (
    JSONDocument,
    Package,
    Validators,
    check_project_answer,
    load_json,
    max_number_digits,
    parse_latest_updates,
    parse_newest_packages,
    parse_package,
    parse_project_releases,
    parse_provenance,
    parse_simple_project,
    parse_stats,
    releases_from_simple,
)
from tests.fuzz.conftest import EXAMPLES
from tests.support.upstream import FIXTURES, derive_release_document, derive_simple_page

#: The recorded documents mutated (the smaller ones: an example copies its document).
PROJECTS = ("pypins-egg-only", "bs4", "sklearn", "docopt", "pycrypto", "sampleproject", "yarg")
STATS = ("django", "docopt", "flask")
PROVENANCES = ("sampleproject-4.0.0.tar.gz", "sampleproject-4.0.0-py3-none-any.whl")

#: Per property: enough to meet every kind of mutation, few enough to stay quick.
DOCUMENTS = settings(max_examples=max(20, EXAMPLES // 2), deadline=None)

#: What a reader may raise for an upstream's data.
DOCUMENTED = (InvalidResponseError,)


@cache
def _load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_bytes())


def recorded(name: str) -> dict[str, Any]:
    """A fresh copy of a recorded JSON API document."""
    return copy.deepcopy(_load(f"pypi/{name}.json"))


# -- odd values ------------------------------------------------------------------------------

#: Runs of digits no ``int()`` takes under any interpreter setting (and past the default).
HUGE_DIGITS = st.integers(max_number_digits() + 1, 6000).map(lambda n: "9" * n)

#: Where a huge number does harm: versions, specifiers, classifiers, wheel tags, dates.
NUMBER_PREFIXES = (
    "",
    "1.",
    "3.",
    ">=3.",
    "==3.8.",
    "~=3.",
    "cp3",
    "py3",
    "demo-1.0-cp3",
    "Programming Language :: Python :: ",
    "Programming Language :: Python :: 3.",
    "Framework :: Django :: ",
    "Framework :: Django :: 5.",
    "2026-01-",
    "Sat, 21 Nov 2026 13:52:18 ",
)
NUMBER_SUFFIXES = ("", " :: Only", "t", ".0", "rc1", "-cp313t-any.whl", "-none-any.whl", "T00:00")

HUGE_NUMBER_TEXTS = st.builds(
    lambda prefix, digits, suffix: prefix + digits + suffix,
    st.sampled_from(NUMBER_PREFIXES),
    HUGE_DIGITS,
    st.sampled_from(NUMBER_SUFFIXES),
)

#: Texts a reader may meet where it expects a name, a version, a date or a filename.
ODD_TEXTS = st.sampled_from(
    [
        "",
        " ",
        "UNKNOWN",
        "None",
        "null",
        "\t",
        "\x00",
        "\x7f",
        "\u202e",
        "é",
        "1.0",
        "3.12",
        "٣.١٢",
        ">=3.9",
        ">=3.9,<",
        "2026-01-01T00:00:00Z",
        "2026-13-01T00:00:00",
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00+05:00",
        "demo-1.0-py3-none-any.whl",
        "demo-1.0-cp313-cp313t-manylinux_2_17_x86_64.whl",
        "demo-1.0-py2.py3-none-any.whl",
        "demo-1.0.tar.gz",
        "demo.whl",
        "-.whl",
        "Programming Language :: Python :: 3 :: Only",
        "Framework :: Django :: 5.0",
        "License :: OSI Approved :: MIT License",
        "Development Status :: 5 - Production/Stable",
        "x" * 10_000,
        "1." * 2000 + "0",
    ]
)
TEXTS = ODD_TEXTS | HUGE_NUMBER_TEXTS | st.text(max_size=40)

#: Numbers as JSON decodes them: integers within 64 bits, finite doubles.
NUMBERS = (
    st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0, -1, 2**63, 2**64 - 1, 1e308, -0.0, 0.5])
)
SCALARS = TEXTS | NUMBERS | st.booleans() | st.none()
VALUES = (
    SCALARS
    | st.lists(SCALARS, max_size=3)
    | st.dictionaries(st.text(max_size=8), SCALARS, max_size=3)
)


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return sorted(node, key=str)
    if isinstance(node, list):
        return list(range(len(node)))
    return []


def odd_text(draw: st.DrawFn, text: str) -> str:
    """``text`` changed as an upstream gone wrong might: one of its numbers (or a new
    one) past the int-string limit, a control character, digits of another script, or
    another text altogether."""
    runs = list(re.finditer(r"\d+", text))
    choice = draw(st.integers(0, 5))
    if choice <= 1 and runs:
        run = runs[draw(st.integers(0, len(runs) - 1))]
        return text[: run.start()] + draw(HUGE_DIGITS) + text[run.end() :]
    if choice <= 2:
        return text + draw(HUGE_DIGITS)
    if choice == 3:
        return draw(st.sampled_from([text + "\t", "\x00" + text, "\u0663" + text, text * 3]))
    return draw(TEXTS)


def odd_value(draw: st.DrawFn, value: Any) -> Any:
    """Something else where ``value`` was: a changed text, a changed entry, or any value."""
    if isinstance(value, str) and draw(st.integers(0, 3)) > 0:
        return odd_text(draw, value)
    if _children(value) and draw(st.booleans()):
        changed = copy.deepcopy(value)
        mutate(draw, changed)
        return changed
    return draw(VALUES)


def mutate(draw: st.DrawFn, document: Any) -> None:
    """One mutation of ``document``, in place, where a random walk from its root stops:
    a value changed, a key or item removed, a key or item added."""
    node = document
    while True:
        keys = _children(node)
        if not keys:
            return
        key = draw(st.sampled_from(keys))
        if _children(node[key]) and draw(st.integers(0, 3)) > 0:
            node = node[key]
            continue
        break
    action = draw(st.sampled_from(["change", "change", "remove", "add"]))
    if action == "change":
        node[key] = odd_value(draw, node[key])
    elif action == "remove":
        del node[key]
    elif isinstance(node, dict):
        node[draw(TEXTS)] = odd_value(draw, node[key])
    else:
        node.insert(draw(st.integers(0, len(node))), odd_value(draw, node[key]))


#: The fields the readers read: a mutation aimed at each of them.
TARGETS: tuple[tuple[str, ...], ...] = (
    ("info", "version"),
    ("info", "name"),
    ("info", "requires_python"),
    ("info", "classifiers"),
    ("info", "license"),
    ("info", "license_expression"),
    ("info", "yanked"),
    ("last_serial",),
    ("urls",),
    ("releases",),
    ("vulnerabilities",),
)


def _huge(draw: st.DrawFn) -> str:
    return draw(HUGE_DIGITS)


def _classifier(draw: st.DrawFn) -> str:
    return draw(
        st.sampled_from(
            [
                "Programming Language :: Python :: 3.{}",
                "Programming Language :: Python :: {}",
                "Programming Language :: Python :: {} :: Only",
                "Framework :: Django :: {}",
                "Framework :: Django :: 5.{}",
                "Framework :: Pytest :: {}.0",
                "Development Status :: {} - Beta",
            ]
        )
    ).format(_huge(draw))


def _wheel(draw: st.DrawFn) -> dict[str, Any]:
    filename = draw(
        st.sampled_from(
            [
                "demo-1.0-cp3{0}-cp3{0}-any.whl",
                "demo-1.0-cp3{0}-cp3{0}t-manylinux_2_17_x86_64.whl",
                "demo-1.0-cp3{0}-abi3-any.whl",
                "demo-1.0-py3{0}-none-any.whl",
                "demo-1.0-py2.py{0}-none-any.whl",
                "demo-1.0-py3-none-manylinux_2_{0}_x86_64.whl",
                "demo-1.{0}-py3-none-any.whl",
            ]
        )
    ).format(_huge(draw))
    return {
        "filename": filename,
        "url": "https://files.example/" + filename[:40],
        "packagetype": "bdist_wheel",
        "size": 1,
        "upload_time_iso_8601": "2026-01-01T00:00:00Z",
        "python_version": draw(st.sampled_from(["py3", "cp3" + _huge(draw)])),
        "requires_python": draw(st.sampled_from([None, ">=3." + _huge(draw)])),
    }


def number_attack(draw: st.DrawFn, document: dict[str, Any]) -> None:
    """A number past the int-string limit where a reader or a badge reads numbers: the
    release, its specifier, a classifier, a wheel's tags, a release key, a date."""
    info = document["info"]
    urls = document.setdefault("urls", [])
    where = draw(
        st.sampled_from(
            ["version", "requires_python", "classifier", "wheel", "release", "time", "serial"]
        )
    )
    if where == "version":
        info["version"] = odd_text(draw, str(info.get("version") or "1.0"))
    elif where == "requires_python":
        info["requires_python"] = draw(st.sampled_from([">=3.{}", "==3.8.{}", "~={}.0"])).format(
            _huge(draw)
        )
    elif where == "classifier":
        classifiers = info.setdefault("classifiers", [])
        classifiers.insert(draw(st.integers(0, len(classifiers))), _classifier(draw))
    elif where == "wheel":
        urls.insert(draw(st.integers(0, len(urls))), _wheel(draw))
    elif where == "release":
        releases = document.setdefault("releases", {})
        releases[
            draw(st.sampled_from(["1.{}", "{}", "1.0.dev{}", "1.0+{}"])).format(_huge(draw))
        ] = [_wheel(draw)]
    elif where == "time" and urls:
        urls[0]["upload_time_iso_8601"] = draw(
            st.sampled_from(
                [
                    "9999-12-31T23:59:59-05:00",
                    "0001-01-01T00:00:00+05:00",
                    "2026-01-01T00:00:00+23:59",
                    _huge(draw),
                ]
            )
        )
    else:
        document["last_serial"] = draw(st.sampled_from([2**63, 2**64 - 1, -(2**63), 1e308]))


@st.composite
def project_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A recorded project document with a few mutations, most aimed at read fields."""
    document = recorded(draw(st.sampled_from(PROJECTS)))
    for _ in range(draw(st.integers(0, 2))):
        number_attack(draw, document)
    for _ in range(draw(st.integers(0, 2))):
        *parents, last = draw(st.sampled_from(TARGETS))
        node: Any = document
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        existing = node.get(last)
        if isinstance(existing, list) and existing and draw(st.integers(0, 3)) > 0:
            index = draw(st.integers(0, len(existing) - 1))
            existing[index] = odd_value(draw, existing[index])
        elif isinstance(existing, dict) and existing and draw(st.integers(0, 3)) > 0:
            key = draw(st.sampled_from(sorted(existing)))
            new_key = odd_text(draw, key) if draw(st.booleans()) else key
            existing[new_key] = odd_value(draw, existing[key])
        else:
            node[last] = odd_value(draw, existing)
    for _ in range(draw(st.integers(0, 2))):
        mutate(draw, document)
    return document


# -- the JSON API ----------------------------------------------------------------------------


def render_every_badge(facts: PackageFacts | DownloadFacts | IndexFacts) -> None:
    """Every badge that reads this record renders, or refuses with pypins' own error."""
    sources = {PackageFacts: "pypi", DownloadFacts: "stats", IndexFacts: "simple"}
    for kind in (*KINDS.values(), *LEGACY_KINDS.values()):
        if kind.source != sources[type(facts)]:
            continue
        for params in ({}, {"include_prereleases": ""}):
            arguments = {**params, **dict.fromkeys(kind.path_params, "django")}
            with contextlib.suppress(PypinsError):
                kind.render(facts, arguments, now=EXAMPLE_NOW)


def round_trip(facts: PackageFacts | DownloadFacts | IndexFacts) -> None:
    """The record survives the cache's encoding (through JSON text) unchanged."""
    decoded = json.loads(json.dumps(facts.to_dict()))
    assert type(facts).from_dict(decoded) == facts


@DOCUMENTS
@given(document=project_documents(), pinned=st.booleans())
def test_facts_from_any_project_document(document: dict[str, Any], pinned: bool) -> None:
    """``facts_from_json`` gives facts every badge renders from, or InvalidResponseError."""
    try:
        facts = facts_from_json(document, pinned=pinned)
    except DOCUMENTED:
        event("refused")
        return
    event("read")
    round_trip(facts)
    render_every_badge(facts)


def use_package(package: Package) -> None:
    """Read every property of a Package, as a user of the client library may."""
    assert package.name
    for value in (
        package.license_from_classifiers,
        package.python_versions,
        package.python_implementations,
        package.release_ids,
        package.latest_release,
        package.has_wheel,
        package.has_egg,
        package.has_source,
        package.yanked_release_ids,
        repr(package),
    ):
        del value
    for release_id in list(package.releases)[:5]:
        package.release(release_id)
        package.release_yanked(release_id)


@DOCUMENTS
@given(document=project_documents())
def test_the_client_package_from_any_project_document(document: dict[str, Any]) -> None:
    """The client's ``Package`` (from the object, and from its bytes) is read whole, or
    the document is InvalidResponseError; what one reader refuses, the other refuses."""
    try:
        package = parse_package(document)
    except DOCUMENTED:
        with pytest.raises(DOCUMENTED):
            parse_package(json.dumps(document).encode())
        return
    use_package(package)
    assert parse_package(json.dumps(document).encode()) == package


@DOCUMENTS
@given(document=project_documents(), name=st.sampled_from(["demo", "six", "docopt"]))
def test_the_answer_check_from_any_project_document(document: dict[str, Any], name: str) -> None:
    """Checking that a document answers the question raises nothing else either."""
    info = document.get("info")
    version = info.get("version") if isinstance(info, dict) else None
    for asked in (None, "1.0", version if isinstance(version, str) else "2.0"):
        with contextlib.suppress(DOCUMENTED):
            check_project_answer(document, name, asked)


@st.composite
def release_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A per-version document derived as PyPI would serve it, then mutated."""
    project = recorded(draw(st.sampled_from(PROJECTS)))
    version = draw(st.sampled_from(sorted(project["releases"]) or [project["info"]["version"]]))
    document = derive_release_document(project, version) or project
    for _ in range(draw(st.integers(1, 3))):
        mutate(draw, document)
    return document


@DOCUMENTS
@given(document=release_documents())
def test_facts_from_any_release_document(document: dict[str, Any]) -> None:
    """Per-version documents likewise, read as pinned."""
    try:
        facts = facts_from_json(document, pinned=True)
    except DOCUMENTED:
        return
    round_trip(facts)
    render_every_badge(facts)


#: JSON number tokens (outside strings, as the recorded documents are written).
_NUMBER_TOKEN = re.compile(rb"(?<=[:\[,] )-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|(?<=[:\[,])-?\d+")


@DOCUMENTS
@given(
    name=st.sampled_from(PROJECTS),
    token=st.sampled_from(
        [b"9" * 5000, b"1e400", b"-1e400", b"18446744073709551616", b"1" + b"0" * 400]
    ),
    which=st.integers(0, 50),
)
def test_numbers_no_double_holds_in_the_raw_body(name: str, token: bytes, which: int) -> None:
    """A number token in the body replaced by one JSON decodes to no double or no
    64-bit integer: the body is refused, or read without it."""
    body = (FIXTURES / "pypi" / f"{name}.json").read_bytes()
    found = list(_NUMBER_TOKEN.finditer(body))
    if found:
        match = found[which % len(found)]
        body = body[: match.start()] + token + body[match.end() :]
    try:
        document = load_json(body)
        facts = facts_from_json(document)
        use_package(parse_package(document))
    except DOCUMENTED:
        return
    round_trip(facts)


# -- the Simple API --------------------------------------------------------------------------


@st.composite
def simple_pages(draw: st.DrawFn) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A Simple API page derived as warehouse would serve it, then mutated; with the
    project document it came from and the name asked for."""
    project = recorded(draw(st.sampled_from(PROJECTS)))
    status = draw(st.sampled_from(["active", "archived", "deprecated", "quarantined"]))
    page = derive_simple_page(project, status)
    for _ in range(draw(st.integers(1, 4))):
        mutate(draw, page)
    return str(project["info"]["name"]), page, project


@DOCUMENTS
@given(simple_pages())
def test_any_simple_page(case: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    """A Simple API page gives the project, its releases, the badges' index facts and,
    with the JSON API's document, the client's Package; or InvalidResponseError."""
    name, page, project = case
    try:
        simple = parse_simple_project(page, name)
    except DOCUMENTED:
        return
    releases_from_simple(simple)
    facts = index_facts(
        simple.status, simple.versions, ((f.filename, f.yanked) for f in simple.files)
    )
    round_trip(facts)
    render_every_badge(facts)
    without_releases = {key: value for key, value in project.items() if key != "releases"}
    document = JSONDocument("https://pypi.example/", Validators(), without_releases)
    use_package(_http.package_from(document, simple))


# -- pypistats --------------------------------------------------------------------------------


@st.composite
def stats_answers(draw: st.DrawFn) -> tuple[str, Any]:
    name = draw(st.sampled_from(STATS))
    document = copy.deepcopy(_load(f"stats/{name}.json"))
    for _ in range(draw(st.integers(1, 3))):
        mutate(draw, document)
    return name, document


@DOCUMENTS
@given(stats_answers())
def test_any_pypistats_answer(case: tuple[str, Any]) -> None:
    """pypistats' answers give counts every download badge renders from, or
    InvalidResponseError, read by the client and by the badges alike."""
    name, document = case
    with contextlib.suppress(DOCUMENTED):
        parse_stats(document, name)
    try:
        facts = download_facts_from_json(document)
    except DOCUMENTED:
        return
    round_trip(facts)
    render_every_badge(facts)


# -- the Integrity API ------------------------------------------------------------------------


@st.composite
def provenances(draw: st.DrawFn) -> tuple[str, Any]:
    filename = draw(st.sampled_from(PROVENANCES))
    document = copy.deepcopy(_load(f"integrity/sampleproject/4.0.0/{filename}.provenance.json"))
    for _ in range(draw(st.integers(1, 3))):
        mutate(draw, document)
    return filename, document


@DOCUMENTS
@given(provenances())
def test_any_provenance(case: tuple[str, Any]) -> None:
    """A file's provenance is read, or InvalidResponseError."""
    filename, document = case
    try:
        provenance = parse_provenance(document, filename)
    except DOCUMENTED:
        return
    for publisher in provenance.publishers:
        assert isinstance(publisher.label, str)


# -- the RSS feeds ----------------------------------------------------------------------------

FEEDS: dict[str, Callable[[bytes], object]] = {
    "updates": parse_latest_updates,
    "packages": parse_newest_packages,
    "project": lambda content: parse_project_releases(content, "demo"),
}


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@DOCUMENTS
@given(
    feed=st.sampled_from(sorted(FEEDS)),
    title=TEXTS,
    link=TEXTS,
    date=TEXTS | st.sampled_from(["Sat, 21 Nov 2026 13:52:18 GMT", "09 Aug 2014 06:57:42 GMT"]),
    channel=st.sampled_from(["PyPI recent updates for demo", "PyPI recent updates for "]) | TEXTS,
)
def test_any_feed_item(feed: str, title: str, link: str, date: str, channel: str) -> None:
    """A feed item of any title, link and date is an entry, or InvalidResponseError."""
    item = "".join(
        f"<{tag}>{_escaped(value)}</{tag}>"
        for tag, value in (("title", title), ("link", link), ("pubDate", date))
        if not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", value)
    )
    content = (
        f"<rss version='2.0'><channel><title>{_escaped(channel)}</title>"
        f"<item>{item}</item></channel></rss>"
    ).encode("utf-8", "surrogatepass")
    with contextlib.suppress(DOCUMENTED):
        FEEDS[feed](content)


# -- cached records ----------------------------------------------------------------------------


@DOCUMENTS
@given(
    document=project_documents(), changes=st.dictionaries(st.text(max_size=20), VALUES, max_size=3)
)
def test_a_record_changed_in_the_shared_tier(
    document: dict[str, Any], changes: dict[str, Any]
) -> None:
    """A facts record altered in the shared tier (Redis) is refused with InvalidFactsError,
    or is a record every badge renders from."""
    try:
        facts = facts_from_json(document)
    except DOCUMENTED:
        return
    record = {**facts.to_dict(), **changes}
    try:
        changed = PackageFacts.from_dict(record)
    except InvalidFactsError:
        return
    render_every_badge(changed)
