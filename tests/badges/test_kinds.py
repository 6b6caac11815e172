"""The registries: consistent kinds, examples that hold, renders that never fail.

Each badge's own cases are in ``tests/badges/kinds/``, one module per unit.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pypins.badges
from pypins.badges import (
    EXAMPLE_NOW,
    KINDS,
    LEGACY_KINDS,
    PROJECT_STATUSES,
    AttestationFacts,
    BadgeExample,
    BadgeKind,
    DownloadFacts,
    IndexFacts,
    PackageFacts,
)
from pypins.badges.kinds import version
from pypins.errors import InvalidParameterError
from tests.badges.support import FACTS_TYPES, facts_for

ALL_KINDS = [*KINDS.values(), *LEGACY_KINDS.values()]
EXAMPLES = [
    pytest.param(kind, example, id=f"{'legacy-' if kind.legacy else ''}{kind.segment}-{index}")
    for kind in ALL_KINDS
    for index, example in enumerate(kind.examples)
]


@pytest.mark.parametrize(("kind", "example"), EXAMPLES)
def test_every_example_renders_as_stated(kind: BadgeKind, example: BadgeExample) -> None:
    """The docs can trust every example: its facts give exactly its badge."""
    assert kind.render(example.facts, dict(example.params), now=EXAMPLE_NOW) == example.badge


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda kind: kind.segment)
def test_kinds_are_complete(kind: BadgeKind) -> None:
    """Every kind has examples, a label, a known category and source, and documentation."""
    registry = LEGACY_KINDS if kind.legacy else KINDS
    assert registry[kind.segment] is kind
    assert kind.examples
    assert kind.title
    assert kind.description
    assert kind.default_label or kind.segment == "frameworkversions"
    assert kind.category in {"version", "downloads", "metadata", "static"}
    assert kind.source in FACTS_TYPES
    assert (kind.source == "stats") == (kind.category == "downloads")
    assert not (kind.source == "stats" and kind.accepts_version)
    assert not (kind.legacy and kind.accepts_version)
    for example in kind.examples:
        assert isinstance(example.facts, FACTS_TYPES[kind.source])


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda kind: kind.segment)
def test_parameters_are_declared_with_their_schemas(kind: BadgeKind) -> None:
    """Each badge parameter has a name of its own, a schema and a description."""
    names = [param.name for param in kind.parameters]
    assert len(names) == len(set(names))
    assert set(names) == set(kind.params) | set(kind.path_params)
    for param in kind.parameters:
        assert param.schema.get("type") == "string"
        assert param.description.endswith(".")
    assert not (kind.legacy and kind.path_params)


def test_pypip_in_routes_declare_only_how_they_differ() -> None:
    """An alias takes its kind's renderer and examples unless pypip.in differs."""
    v, also_v = version.LEGACY
    assert (v.segment, also_v.segment) == ("v", "version")
    assert v.renderer is also_v.renderer is not version.KIND.renderer
    assert v.params == ("text",)
    assert not v.needs_release_list({"include_prereleases": ""})
    assert KINDS["v"].needs_release_list({"include_prereleases": ""})
    assert LEGACY_KINDS["wheel"].renderer is KINDS["wheel"].renderer
    assert LEGACY_KINDS["format"].renderer is KINDS["format"].renderer


def test_kinds_refuse_facts_of_another_record() -> None:
    """Handing package facts to a downloads kind is a programming error."""
    bare = PackageFacts(name="demo", normalized_name="demo", version="1.0")
    with pytest.raises(TypeError):
        KINDS["dd"].render(bare, now=EXAMPLE_NOW)
    with pytest.raises(TypeError):
        KINDS["v"].render(DownloadFacts(day=1, week=1, month=1), now=EXAMPLE_NOW)


def test_registries_hold_the_expected_routes() -> None:
    """The shields-style and pypip.in routes the service promises."""
    assert set(KINDS) == {
        "v",
        "pyversions",
        "implementation",
        "l",
        "format",
        "wheel",
        "status",
        "types",
        "frameworkversions",
        "djversions",
        "dd",
        "dw",
        "dm",
        "requires-python",
        "last-release",
        "vulnerabilities",
        "free-threading",
        "platforms",
        "attestations",
        "project-status",
    }
    assert set(LEGACY_KINDS) == {
        "d",
        "download",
        "v",
        "version",
        "wheel",
        "egg",
        "format",
        "license",
        "py_versions",
        "implementation",
        "status",
    }


@pytest.mark.parametrize(
    ("kind", "package", "version", "args", "path"),
    [
        (KINDS["v"], "django", None, None, "/pypi/v/django"),
        (KINDS["v"], "zope.interface", "5.0", None, "/pypi/v/zope.interface/5.0"),
        (
            KINDS["frameworkversions"],
            "plone.rest",
            None,
            {"framework": "plone"},
            "/pypi/frameworkversions/plone/plone.rest",
        ),
        (LEGACY_KINDS["py_versions"], "yarg", None, None, "/py_versions/yarg/badge"),
    ],
)
def test_paths(
    kind: BadgeKind, package: str, version: str | None, args: dict[str, str] | None, path: str
) -> None:
    """Kinds build their own URL paths."""
    assert kind.path(package, version, args) == path


def test_example_urls() -> None:
    """Example URLs carry the extension and the non-path parameters."""
    assert (
        KINDS["v"].example_url(KINDS["v"].examples[1]) == "/pypi/v/wagtail.svg?include_prereleases"
    )
    framework = KINDS["frameworkversions"]
    assert framework.example_url(framework.examples[0], "png") == (
        "/pypi/frameworkversions/django/django-filter.png"
    )
    legacy = LEGACY_KINDS["d"]
    assert legacy.example_url(legacy.examples[1]) == "/d/yarg/badge.svg?period=day"


def test_render_reads_naive_now_as_utc() -> None:
    """A naive ``now`` is taken to be UTC."""
    kind = KINDS["last-release"]
    facts = kind.examples[0].facts
    naive = EXAMPLE_NOW.replace(tzinfo=None)
    assert kind.render(facts, now=naive) == kind.render(facts, now=EXAMPLE_NOW)


TEXT = st.text(max_size=12)
TEXTS = st.lists(TEXT, max_size=4).map(tuple)
CLASSIFIER_TEXT = st.sampled_from(["3", "3.12", "2.7", "4 - Beta", "Django", "a :: b", ""]) | TEXT
MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.just(UTC),
)

PACKAGE_FACTS = st.builds(
    PackageFacts,
    name=TEXT,
    normalized_name=TEXT,
    version=st.sampled_from(["1.0", "0.1", "2.0rc1", "x"]) | TEXT,
    highest_version=st.none() | TEXT,
    python_versions=st.lists(CLASSIFIER_TEXT, max_size=4).map(tuple),
    python_only_majors=TEXTS,
    implementations=TEXTS,
    license_expression=st.none() | TEXT,
    license=st.none() | TEXT,
    license_classifiers=st.lists(CLASSIFIER_TEXT, max_size=3).map(tuple),
    development_statuses=st.lists(CLASSIFIER_TEXT, max_size=3).map(tuple),
    typed=st.booleans(),
    stubs_only=st.booleans(),
    framework_versions=st.lists(st.tuples(CLASSIFIER_TEXT, CLASSIFIER_TEXT), max_size=3).map(tuple),
    requires_python=st.none() | st.sampled_from([">=3.9", "<3", "!=3.0.*"]) | TEXT,
    file_kinds=st.lists(st.sampled_from(["wheel", "source", "egg", "x"]), max_size=3).map(tuple),
    wheel_pythons=st.lists(
        st.sampled_from(["cp313-cp313t", "cp39-abi3", "py3-none", "cp3-x", "-"]) | TEXT, max_size=3
    ).map(tuple),
    wheel_platforms=st.lists(
        st.sampled_from(["any", "win32", "macosx_11_0_arm64"]) | TEXT, max_size=3
    ).map(tuple),
    upload_time=st.none() | MOMENTS,
    yanked=st.booleans(),
    vulnerabilities=st.integers(min_value=0, max_value=10**6),
    last_serial=st.none() | st.integers(),
    has_release_list=st.booleans(),
    provenance_file=st.none() | TEXT,
)
INDEX_FACTS = st.builds(
    IndexFacts, highest_version=st.none() | TEXT, status=st.sampled_from(PROJECT_STATUSES)
)
ATTESTATION_FACTS = st.builds(AttestationFacts, publisher=st.none() | TEXT)
DOWNLOAD_FACTS = st.builds(
    DownloadFacts,
    day=st.integers(min_value=0, max_value=10**15),
    week=st.integers(min_value=0, max_value=10**15),
    month=st.integers(min_value=0, max_value=10**15),
)
PARAMS = st.dictionaries(
    st.sampled_from(["include_prereleases", "framework", "period", "text", "other"]),
    st.sampled_from(["", "true", "0", "django", "plone", "day", "version", "nonsense"]),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(
    facts=PACKAGE_FACTS,
    downloads=DOWNLOAD_FACTS,
    index=INDEX_FACTS,
    attestation=ATTESTATION_FACTS,
    params=PARAMS,
    now=MOMENTS,
)
def test_no_kind_fails_on_any_facts(
    *,
    facts: PackageFacts,
    downloads: DownloadFacts,
    index: IndexFacts,
    attestation: AttestationFacts,
    params: dict[str, str],
    now: datetime,
) -> None:
    """Every kind renders any facts; only a bad badge parameter may raise."""
    for kind in ALL_KINDS:
        try:
            source = facts_for(kind, facts, downloads, index, attestation)
            badge = kind.render(source, params, now=now)
        except InvalidParameterError as error:
            raised = error.parameter
            assert raised in kind.params + kind.path_params
            continue
        assert isinstance(badge.message, str)
        assert isinstance(badge.color, str)
        assert badge.color


@settings(max_examples=100, deadline=None)
@given(facts=PACKAGE_FACTS)
def test_any_facts_round_trip(facts: PackageFacts) -> None:
    """``from_dict(to_dict(f)) == f`` for any facts."""
    assert PackageFacts.from_dict(facts.to_dict()) == facts


FORBIDDEN_IMPORTS = {
    "httpx",
    "redis",
    "starlette",
    "fastapi",
    "aiohttp",
    "requests",
    "socket",
    "asyncio",
}


BADGES = Path(pypins.badges.__file__).parent


@pytest.mark.parametrize(
    "module", sorted(BADGES.rglob("*.py")), ids=lambda path: str(path.relative_to(BADGES))
)
def test_badges_do_no_io(module: Path) -> None:
    """No badge module imports a network, cache or web library, or opens files."""
    tree = ast.parse(module.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names = {(node.module or "").split(".")[0]}
            assert not (node.module or "").startswith(
                ("pypins.client", "pypins.web", "pypins.cache")
            )
        else:
            if isinstance(node, ast.Name):
                assert node.id != "open"
            continue
        assert not names & FORBIDDEN_IMPORTS, names


DOCS = Path(__file__).resolve().parents[2] / "docs" / "badges.md"


@pytest.mark.parametrize(("kind", "example"), EXAMPLES)
def test_docs_show_every_example(kind: BadgeKind, example: BadgeExample) -> None:
    """docs/badges.md lists each example's URL with its message and colour."""
    row = (
        f"| {example.badge.label.replace('|', chr(92) + '|')} "
        f"| {example.badge.message.replace('|', chr(92) + '|')} | {example.badge.color}"
    )
    docs = DOCS.read_text("utf-8")
    line = next(
        (line for line in docs.splitlines() if f"`{kind.example_url(example)}`" in line), None
    )
    assert line is not None, kind.example_url(example)
    assert row in line
