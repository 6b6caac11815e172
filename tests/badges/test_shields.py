"""shields-compatible kinds and pypins' own, case by case (ports of shields' tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from pypins.badges import KINDS, Badge, DownloadFacts, PackageFacts, facts_from_json
from pypins.badges.shields import free_threaded_versions, platform_families, shields_status
from pypins.errors import InvalidParameterError
from tests.badges.support import NOW, make_document, make_facts, sdist, wheel

BARE = PackageFacts(name="demo", normalized_name="demo", version="1.0")


def render(segment: str, facts: Any, **params: str) -> Badge:
    """The badge of ``KINDS[segment]`` for these facts and parameters, at ``NOW``."""
    return KINDS[segment].render(facts, params, now=NOW)


@pytest.mark.parametrize(
    ("version", "message", "color"),
    [
        ("1.2.3", "v1.2.3", "blue"),  # shields' "no trove classifiers" tester case
        ("2.7.3.2", "v2.7.3.2", "blue"),
        ("2.0rc1", "v2.0rc1", "orange"),
        ("0.1.30b10", "v0.1.30b10", "orange"),
        ("v1.0", "v1.0", "blue"),
        ("2017-05-05", "2017-05-05", "lightgrey"),
    ],
)
def test_version(version: str, message: str, color: str) -> None:
    """``v`` + the version, coloured by PEP 440 (shields' pypi/v)."""
    assert render("v", make_facts(version=version)) == Badge("pypi", message, color)


@pytest.mark.parametrize(
    ("flag", "message"),
    [("", "v2.0b1"), ("true", "v2.0b1"), ("1", "v2.0b1"), ("false", "v1.0"), ("0", "v1.0")],
)
def test_version_include_prereleases(flag: str, message: str) -> None:
    """``include_prereleases`` shows the highest non-yanked release."""
    document = make_document(releases={"1.0": [sdist()], "2.0b1": [sdist()]})
    badge = render("v", facts_from_json(document), include_prereleases=flag)
    assert badge.message == message


def test_version_include_prereleases_without_releases_keeps_the_version() -> None:
    """A per-version document (no releases) shows its own version."""
    assert render("v", replace(BARE, version="1.5"), include_prereleases="").message == "v1.5"


def test_version_rejects_a_bad_flag() -> None:
    """An unreadable flag is an invalid query parameter."""
    with pytest.raises(InvalidParameterError) as raised:
        render("v", BARE, include_prereleases="maybe")
    assert raised.value.parameter == "include_prereleases"


@pytest.mark.parametrize(
    ("classifiers", "message", "color"),
    [
        # shields' pypi-python-versions.tester.js shapes
        (["Programming Language :: Python :: 3 :: Only"], "3", "blue"),
        (
            [
                "Programming Language :: Python :: 3 :: Only",
                "Programming Language :: Python :: 3.5",
                "Programming Language :: Python :: 3.6",
                "Programming Language :: Python :: 3.7",
            ],
            "3.5 | 3.6 | 3.7",
            "blue",
        ),
        ([], "missing", "red"),
        (
            [
                "Programming Language :: Python :: 3.10",
                "Programming Language :: Python :: 3.9",
                "Programming Language :: Python :: 3",
            ],
            "3.9 | 3.10",
            "blue",
        ),
    ],
)
def test_pyversions(classifiers: list[str], message: str, color: str) -> None:
    """Classifier versions sorted and joined with `` | `` (shields' pypi/pyversions)."""
    assert render("pyversions", make_facts(classifiers=classifiers)) == Badge(
        "python", message, color
    )


def test_pyversions_derives_from_requires_python() -> None:
    """Without classifiers, ``Requires-Python`` gives the released versions it allows."""
    facts = make_facts(requires_python=">=3.13")
    assert render("pyversions", facts).message == "3.13 | 3.14 | 3.15"


def test_pyversions_derives_from_cpython_wheels() -> None:
    """Without classifiers, CPython wheel tags name the versions."""
    document = make_document(
        urls=[
            wheel("demo-1.0-cp312-cp312-win_amd64.whl"),
            wheel("demo-1.0-cp313-cp313-win_amd64.whl"),
        ],
        info={"requires_python": ">=3.8"},
    )
    assert render("pyversions", facts_from_json(document)).message == "3.12 | 3.13"


@pytest.mark.parametrize(
    ("implementations", "message"),
    [
        ((), "cpython"),
        (("CPython",), "cpython"),
        (("PyPy", "CPython"), "cpython | pypy"),
        (("Jython", "IronPython", "CPython"), "cpython | ironpython | jython"),
    ],
)
def test_implementation(implementations: tuple[str, ...], message: str) -> None:
    """Lower case, sorted, `` | ``; CPython is assumed (shields' pypi/implementation)."""
    facts = replace(BARE, implementations=implementations)
    assert render("implementation", facts) == Badge("implementation", message, "blue")


@pytest.mark.parametrize(
    ("info", "message", "color"),
    [
        # shields' pypi-license.tester.js
        ({"license": "Apache 2.0"}, "Apache 2.0", "green"),
        (
            {"license": "", "classifiers": ["License :: OSI Approved :: MIT License"]},
            "MIT",
            "green",
        ),
        (
            {"classifiers": ["License :: OSI Approved :: GNU General Public License (GPL)"]},
            "GPL",
            "orange",
        ),
        # shields' getLicenses spec: a licence field wins over classifiers
        (
            {"license": "MIT", "classifiers": ["License :: OSI Approved :: BSD License"]},
            "MIT",
            "green",
        ),
        # long licence texts are skipped for classifiers
        (
            {
                "license": "Permission is hereby granted, free of charge, to any person",
                "classifiers": ["License :: OSI Approved :: BSD License"],
            },
            "BSD",
            "green",
        ),
        # PEP 639 expressions win, coloured by their ids
        (
            {"license_expression": "Apache-2.0 OR MIT", "license": "Apache"},
            "Apache-2.0 OR MIT",
            "green",
        ),
        ({"license_expression": "LGPL-3.0-or-later"}, "LGPL-3.0-or-later", "orange"),
        ({"license_expression": "CC0-1.0"}, "CC0-1.0", "7cd958"),
        ({"license": "Public Domain"}, "Public Domain", "lightgrey"),
        (
            {"classifiers": ["License :: OSI Approved :: MIT License", "License :: Public Domain"]},
            "MIT, Public Domain",
            "green",
        ),
        ({}, "missing", "red"),
    ],
)
def test_license(info: dict[str, Any], message: str, color: str) -> None:
    """Licences joined by ``, `` and coloured by kind (shields' pypi/l)."""
    assert render("l", make_facts(**info)) == Badge("license", message, color)


@pytest.mark.parametrize(
    ("packagetypes", "format_message", "format_color", "wheel_message", "wheel_color"),
    [
        # shields' getPackageFormats spec cases
        (["bdist_wheel", "sdist"], "wheel", "brightgreen", "yes", "brightgreen"),
        (["sdist"], "source", "yellow", "no", "red"),
        (["bdist_egg", "bdist_egg", "sdist"], "egg", "red", "no", "red"),
        (["wheel"], "wheel", "brightgreen", "yes", "brightgreen"),
        (["egg"], "egg", "red", "no", "red"),
        ([], "source", "yellow", "no", "red"),
    ],
)
def test_format_and_wheel(
    packagetypes: list[str],
    format_message: str,
    format_color: str,
    wheel_message: str,
    wheel_color: str,
) -> None:
    """The release's files decide ``format`` and ``wheel`` (shields' pypi/format, pypi/wheel)."""
    urls = [{"packagetype": packagetype, "filename": "x"} for packagetype in packagetypes]
    facts = facts_from_json(make_document(urls=urls))
    assert render("format", facts) == Badge("format", format_message, format_color)
    assert render("wheel", facts) == Badge("wheel", wheel_message, wheel_color)


@pytest.mark.parametrize(
    ("statuses", "message", "color"),
    [
        (("1 - Planning",), "planning", "red"),
        (("2 - Pre-Alpha",), "pre-alpha", "red"),
        (("3 - Alpha",), "alpha", "red"),
        (("4 - Beta",), "beta", "yellow"),
        (("5 - Production/Stable",), "stable", "brightgreen"),
        (("6 - Mature",), "mature", "brightgreen"),
        (("7 - Inactive",), "inactive", "red"),
        (("4 - Beta", "3 - Alpha"), "beta", "yellow"),
        (("3 - Alpha", "5 - Production/Stable"), "stable", "brightgreen"),
        (("8 - Something Else",), "unknown", "lightgrey"),
        (("8 - Eternal",), "eternal", "lightgrey"),
        ((), "unknown", "lightgrey"),
    ],
)
def test_status(statuses: tuple[str, ...], message: str, color: str) -> None:
    """The highest-numbered status word, lower case, coloured (shields' pypi/status)."""
    facts = replace(BARE, development_statuses=statuses)
    assert render("status", facts) == Badge("status", message, color)
    assert shields_status(statuses) == message


@pytest.mark.parametrize(
    ("typed", "stubs", "message", "color"),
    [
        (True, False, "typed", "brightgreen"),
        (True, True, "typed", "brightgreen"),
        (False, True, "stubs", "brightgreen"),
        (False, False, "untyped", "red"),
    ],
)
def test_types(typed: bool, stubs: bool, message: str, color: str) -> None:
    """``Typing :: Typed`` or ``Typing :: Stubs Only`` (shields' pypi/types)."""
    facts = replace(BARE, typed=typed, stubs_only=stubs)
    assert render("types", facts) == Badge("types", message, color)


FRAMEWORK_FACTS = make_facts(
    name="plone.rest",
    classifiers=[
        "Framework :: Plone",
        "Framework :: Plone :: 5.2",
        "Framework :: Plone :: 4.3",
        "Framework :: Plone :: 5.0",
        "Framework :: Plone :: 5.1",
        "Framework :: Django :: 3.2",
        "Framework :: Django CMS :: 3.10",
        "Framework :: Django CMS :: 3.7",
        "Framework :: Jupyter :: JupyterLab :: 3",
        "Framework :: AWS CDK :: 2",
        "Framework :: Odoo :: 15.0",
        "Framework :: Wagtail :: 3",
        "Framework :: Wagtail :: 2",
        "Framework :: Zope :: 4",
    ],
)


@pytest.mark.parametrize(
    ("framework", "label", "message"),
    [
        # shields' pypi-framework-versions.tester.js
        ("plone", "plone versions", "4.3 | 5.0 | 5.1 | 5.2"),
        ("django", "django versions", "3.2"),
        ("django-cms", "django cms versions", "3.7 | 3.10"),
        ("djangocms", "django cms versions", "3.7 | 3.10"),
        ("jupyterlab", "jupyterlab versions", "3"),
        ("aws-cdk", "aws cdk versions", "2"),
        ("awscdk", "aws cdk versions", "2"),
        ("odoo", "odoo versions", "15.0"),
        ("wagtail", "wagtail versions", "2 | 3"),
        ("zope", "zope versions", "4"),
        ("Plone", "plone versions", "4.3 | 5.0 | 5.1 | 5.2"),
    ],
)
def test_frameworkversions(framework: str, label: str, message: str) -> None:
    """A framework's classifier versions under ``<framework> versions`` (shields)."""
    badge = render("frameworkversions", FRAMEWORK_FACTS, framework=framework)
    assert badge == Badge(label, message, "blue")


def test_frameworkversions_missing_is_an_error_badge() -> None:
    """No classifier of the framework gives shields' invalid-response message."""
    facts = make_facts(name="django")
    badge = render("frameworkversions", facts, framework="django")
    assert badge == Badge("versions", "Django versions are missing for django", "lightgrey", True)


@pytest.mark.parametrize("params", [{}, {"framework": "flask"}])
def test_frameworkversions_needs_a_known_framework(params: dict[str, str]) -> None:
    """A missing or unknown framework is an invalid parameter."""
    with pytest.raises(InvalidParameterError) as raised:
        KINDS["frameworkversions"].render(FRAMEWORK_FACTS, params, now=NOW)
    assert raised.value.parameter == "framework"


def test_djversions_is_frameworkversions_for_django() -> None:
    """shields' old ``djversions`` reads Django's classifiers."""
    assert render("djversions", FRAMEWORK_FACTS) == Badge("django versions", "3.2", "blue")


@pytest.mark.parametrize(
    ("segment", "message", "color"),
    [("dd", "0/day", "red"), ("dw", "99/week", "yellowgreen"), ("dm", "1.3k/month", "brightgreen")],
)
def test_downloads(segment: str, message: str, color: str) -> None:
    """``<metric>/<interval>`` coloured by count (shields' pypi/dd, dw, dm)."""
    facts = DownloadFacts(day=0, week=99, month=1250)
    assert render(segment, facts) == Badge("downloads", message, color)


def test_download_kinds_need_download_facts() -> None:
    """Handing package facts to a downloads kind is a programming error."""
    with pytest.raises(TypeError):
        render("dd", BARE)
    with pytest.raises(TypeError):
        render("v", DownloadFacts(day=1, week=1, month=1))


@pytest.mark.parametrize(
    ("requires", "message", "color"),
    [
        (">=3.9", ">=3.9", "blue"),
        ("!=3.0.*,>=2.7", "!=3.0.*,>=2.7", "blue"),
        (None, "missing", "red"),
    ],
)
def test_requires_python(requires: str | None, message: str, color: str) -> None:
    """The declared ``Requires-Python``, or ``missing``."""
    facts = replace(BARE, requires_python=requires)
    assert render("requires-python", facts) == Badge("python", message, color)


@pytest.mark.parametrize(
    ("age", "message", "color"),
    [
        (timedelta(hours=3), "3 hours ago", "brightgreen"),
        (timedelta(days=3), "3 days ago", "brightgreen"),
        (timedelta(days=10), "10 days ago", "green"),
        (timedelta(days=61), "2 months ago", "yellowgreen"),
        (timedelta(days=200), "7 months ago", "yellow"),
        (timedelta(days=400), "a year ago", "orange"),
        (timedelta(days=1000), "3 years ago", "red"),
    ],
)
def test_last_release(age: timedelta, message: str, color: str) -> None:
    """The release's age in words, coloured by days."""
    facts = replace(BARE, upload_time=NOW - age)
    assert render("last-release", facts) == Badge("last release", message, color)


def test_last_release_without_files() -> None:
    """A release without files has no known age."""
    assert render("last-release", BARE) == Badge("last release", "unknown", "lightgrey")


@pytest.mark.parametrize(("count", "color"), [(0, "brightgreen"), (1, "red"), (12, "red")])
def test_vulnerabilities(count: int, color: str) -> None:
    """The count of vulnerabilities, green only at zero."""
    facts = replace(BARE, vulnerabilities=count)
    assert render("vulnerabilities", facts) == Badge("vulnerabilities", str(count), color)


@pytest.mark.parametrize(
    ("filenames", "message", "color"),
    [
        (
            ["x-1-cp313-cp313t-win_amd64.whl", "x-1-cp314-cp314t-win_amd64.whl"],
            "3.13t | 3.14t",
            "brightgreen",
        ),
        (["x-1-cp313-cp313t-win_amd64.whl", "x-1-py3-none-any.whl"], "3.13t", "brightgreen"),
        (["x-1-py3-none-any.whl"], "pure", "green"),
        (["x-1-cp312-abi3-win_amd64.whl", "x-1-cp313-cp313-win_amd64.whl"], "no", "red"),
        ([], "no wheels", "lightgrey"),
    ],
)
def test_free_threading(filenames: list[str], message: str, color: str) -> None:
    """Free-threaded ABIs, else pure, else no."""
    facts = facts_from_json(make_document(urls=[sdist(), *map(wheel, filenames)]))
    assert render("free-threading", facts) == Badge("free-threading", message, color)


def test_free_threaded_versions_sort_numerically() -> None:
    """3.9t sorts before 3.13t."""
    assert free_threaded_versions(("cp313-cp313t", "cp39-cp39t", "cp313-cp313")) == (
        "3.9t",
        "3.13t",
    )


@pytest.mark.parametrize(
    ("platforms", "families"),
    [
        (("manylinux_2_17_x86_64", "manylinux2014_aarch64", "linux_armv7l"), ("linux",)),
        (("musllinux_1_2_x86_64",), ("musllinux",)),
        (("macosx_11_0_arm64", "win32", "win_amd64", "win_arm64"), ("macos", "windows")),
        (
            ("ios_13_0_arm64_iphoneos", "android_21_arm64_v8a", "pyodide_2025_0_wasm32"),
            ("android", "ios", "wasm"),
        ),
        (("emscripten_3_1_58_wasm32", "wasi_0_0_0_wasm32"), ("wasm",)),
        (("freebsd_14_0_amd64", "cygwin_x86_64", "linux_x86_64"), ("linux", "cygwin", "freebsd")),
        (("any", "win_amd64"), ("any", "windows")),
        ((), ()),
    ],
)
def test_platform_families(platforms: tuple[str, ...], families: tuple[str, ...]) -> None:
    """Platform tags map to families in a fixed display order."""
    assert platform_families(platforms) == families


@pytest.mark.parametrize(
    ("urls", "message", "color"),
    [
        (
            [wheel("x-1-py3-none-any.whl"), wheel("x-1-cp313-cp313-win_amd64.whl")],
            "pure",
            "brightgreen",
        ),
        (
            [
                wheel("x-1-cp313-cp313-win_amd64.whl"),
                wheel("x-1-cp313-cp313-musllinux_1_2_x86_64.whl"),
            ],
            "musllinux | windows",
            "blue",
        ),
        ([sdist()], "source only", "yellow"),
        ([{"packagetype": "bdist_egg", "filename": "x-1-py2.7.egg"}], "no wheels", "red"),
    ],
)
def test_platforms(urls: list[dict[str, Any]], message: str, color: str) -> None:
    """``pure``, the families, ``source only`` or ``no wheels``."""
    facts = facts_from_json(make_document(urls=urls))
    assert render("platforms", facts) == Badge("platforms", message, color)
