"""Facts and every kind over the recorded PyPI and pypistats documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from pypins.badges import (
    EXAMPLE_NOW,
    KINDS,
    LEGACY_KINDS,
    Badge,
    BadgeExample,
    BadgeKind,
    DownloadFacts,
    PackageFacts,
    download_facts_from_json,
    facts_from_json,
)
from tests.badges.support import FIXTURES, NOW, facts_for, load_fixture
from tests.support.upstream import derive_release_document

PYPI = sorted(
    path.stem for path in (FIXTURES / "pypi").glob("*.json") if not path.stem.startswith("_")
)
STATS = sorted(path.stem for path in (FIXTURES / "stats").glob("*.json"))
ALL_KINDS = [*KINDS.values(), *LEGACY_KINDS.values()]
PARAMS: dict[str, dict[str, str]] = {"frameworkversions": {"framework": "django"}}
EXAMPLES = [
    pytest.param(kind, example, id=kind.example_url(example))
    for kind in ALL_KINDS
    for example in kind.examples
]

pytestmark = pytest.mark.skipif(not PYPI, reason="no recorded fixtures yet")


def pypi_facts(name: str) -> PackageFacts:
    """Facts of a recorded PyPI project document."""
    return facts_from_json(load_fixture("pypi", name))


@pytest.mark.parametrize("name", PYPI)
def test_every_pypi_fixture_renders_every_kind(name: str) -> None:
    """Each recorded document gives facts that round-trip, and every kind renders them."""
    facts = pypi_facts(name)
    assert PackageFacts.from_dict(json.loads(json.dumps(facts.to_dict()))) == facts
    assert facts.normalized_name == name.lower()
    downloads = DownloadFacts(day=1, week=2, month=3)
    for kind in ALL_KINDS:
        badge = kind.render(
            facts_for(kind, facts, downloads), PARAMS.get(kind.segment, {}), now=NOW
        )
        assert badge.message
        assert badge.color


@pytest.mark.parametrize("name", STATS)
def test_every_stats_fixture_renders(name: str) -> None:
    """Each recorded pypistats document gives download facts for the three periods."""
    facts = download_facts_from_json(load_fixture("stats", name))
    assert DownloadFacts.from_dict(facts.to_dict()) == facts
    for segment in ("dd", "dw", "dm"):
        assert KINDS[segment].render(facts, now=NOW).message.endswith(("/day", "/week", "/month"))


def test_compact_facts_of_a_big_document() -> None:
    """numpy's multi-megabyte document shrinks to a record of a few kilobytes."""
    path = FIXTURES / "pypi" / "numpy.json"
    facts = pypi_facts("numpy")
    assert len(json.dumps(facts.to_dict())) < 4000 < path.stat().st_size


def render(segment: str, facts: Any, **params: str) -> Badge:
    """A shields-style badge at ``NOW``."""
    return KINDS[segment].render(facts, params, now=NOW)


def test_real_django() -> None:
    """Django: its name, BSD licence, no Django version classifiers (as shields' tester)."""
    facts = pypi_facts("django")
    assert facts.name == "Django"
    assert render("l", facts).color == "green"
    assert render("frameworkversions", facts, framework="django") == Badge(
        "versions", "Django versions are missing for Django", "lightgrey", True
    )
    assert render("platforms", facts) == Badge("platforms", "pure", "brightgreen")
    assert render("status", facts) == Badge("status", "stable", "brightgreen")


def test_real_django_filter_framework_versions() -> None:
    """django-filter lists the Django versions it supports."""
    badge = render("frameworkversions", pypi_facts("django-filter"), framework="django")
    assert badge == Badge("django versions", "5.2 | 6.0 | 6.1", "blue")


def test_real_docopt_is_source_only() -> None:
    """docopt's latest release is an sdist only."""
    facts = pypi_facts("docopt")
    assert render("format", facts) == Badge("format", "source", "yellow")
    assert render("wheel", facts) == Badge("wheel", "no", "red")
    assert render("platforms", facts) == Badge("platforms", "source only", "yellow")


def test_crafted_egg_only_release() -> None:
    """The crafted egg-only release is an egg for shields and pypip.in."""
    facts = pypi_facts("pypins-egg-only")
    assert render("format", facts) == Badge("format", "egg", "red")
    assert LEGACY_KINDS["egg"].render(facts, now=NOW) == Badge("egg", "yes", "red")


@pytest.mark.parametrize("name", ["markupsafe", "numpy", "pillow"])
def test_real_free_threaded_wheels(name: str) -> None:
    """Projects with cp3XXt wheels show free-threaded versions."""
    badge = render("free-threading", pypi_facts(name))
    assert badge.color == "brightgreen"
    assert badge.message.endswith("t")


@pytest.mark.parametrize(
    ("name", "status"), [("httpx", "beta"), ("pytest", "mature"), ("black", "stable")]
)
def test_real_statuses(name: str, status: str) -> None:
    """Development Status classifiers of real projects."""
    assert render("status", pypi_facts(name)).message == status


@pytest.mark.parametrize("name", ["attrs", "click", "flask", "markupsafe"])
def test_real_typed_packages(name: str) -> None:
    """Projects with ``Typing :: Typed`` are typed."""
    assert render("types", pypi_facts(name)) == Badge("types", "typed", "brightgreen")


def test_real_prerelease_latest_version_is_orange() -> None:
    """A project whose latest version is a pre-release gets an orange version badge."""
    badge = render("v", pypi_facts("opentelemetry-instrumentation"))
    assert badge.color == "orange"
    assert badge.message.startswith("v0.")


@pytest.mark.parametrize("name", ["ecdsa", "pycrypto"])
def test_real_vulnerable_releases(name: str) -> None:
    """Releases with open vulnerabilities are red."""
    badge = render("vulnerabilities", pypi_facts(name))
    assert badge.color == "red"
    assert int(badge.message) > 0


def test_real_requests_skips_yanked_releases() -> None:
    """requests' yanked 2.32.0 and 2.32.1 are never the highest release."""
    facts = pypi_facts("requests")
    assert facts.highest_version not in {"2.32.0", "2.32.1"}
    assert render("v", facts, include_prereleases="").message == f"v{facts.highest_version}"


def test_real_six_lists_majors_only() -> None:
    """six lists only ``Python :: 2`` and ``:: 3``: shields shows the majors."""
    facts = pypi_facts("six")
    assert render("pyversions", facts) == Badge("python", "2 | 3", "blue")
    assert render("l", facts) == Badge("license", "MIT", "green")


def test_real_cryptography_platforms() -> None:
    """cryptography's abi3 wheels cover linux, musllinux, macos and windows."""
    facts = pypi_facts("cryptography")
    assert render("platforms", facts) == Badge(
        "platforms", "linux | musllinux | macos | windows", "blue"
    )
    assert any(pair.endswith("-abi3") for pair in facts.wheel_pythons)


def test_real_django_downloads() -> None:
    """Django's recorded pypistats counts as shields and pypip.in show them."""
    facts = download_facts_from_json(load_fixture("stats", "django"))
    assert render("dd", facts) == Badge("downloads", "1.2M/day", "brightgreen")
    assert render("dm", facts) == Badge("downloads", "36M/month", "brightgreen")
    assert LEGACY_KINDS["d"].render(facts, now=NOW) == Badge(
        "downloads", "36.1M/month", "brightgreen"
    )


def test_fixture_directory_exists() -> None:
    """The fixtures this module reads are where the suite keeps them."""
    assert Path(FIXTURES, "pypi").is_dir()


@pytest.mark.parametrize(("kind", "example"), EXAMPLES)
def test_examples_are_real_projects_in_the_state_they_show(
    kind: BadgeKind, example: BadgeExample
) -> None:
    """Each example (shown live on the index page) names a project recorded from PyPI,
    whose recorded release gives a badge of the example's colour: the same state."""
    name = canonicalize_name(example.package)
    assert (FIXTURES / "pypi" / f"{name}.json").is_file(), f"{name} is not recorded"
    if kind.source != "pypi":  # download counts and provenance are not recorded
        return
    document = load_fixture("pypi", name)
    if example.version is not None:
        document = derive_release_document(document, example.version)
    facts = facts_from_json(document, pinned=example.version is not None)
    badge = kind.render(facts, dict(example.params), now=EXAMPLE_NOW)
    assert (badge.label, badge.color) == (example.badge.label, example.badge.color)
