"""What distribution filenames tell: type, Python tag, version, a wheel's tags."""

from __future__ import annotations

import pytest

from pypins.filenames import (
    VersionMatcher,
    filename_version,
    package_type,
    python_tag,
    wheel_tags,
)


@pytest.mark.parametrize(
    ("filename", "kind", "tag", "version"),
    [
        ("requests-2.32.3-py3-none-any.whl", "wheel", "py3", "2.32.3"),
        ("numpy-2.5.5-cp313-cp313t-manylinux_2_28_x86_64.whl", "wheel", "cp313", "2.5.5"),
        ("demo-1.0-1-py3-none-any.whl", "wheel", "py3", "1.0"),
        ("docopt-0.6.2.tar.gz", "source", "source", "0.6.2"),
        ("zope.interface-8.7.tar.gz", "source", "source", "8.7"),
        ("django-filter-26.2.tar.gz", "source", "source", "26.2"),
        ("Django-1.0.ZIP", "source", "source", "1.0"),
        ("requests-0.6.0-py2.6.egg", "egg", "2.6", "0.6.0"),
        ("pywin32-214.win32-py2.7.exe", "bdist_wininst", None, "py2.7"),
        ("demo-1.0.msi", "bdist_msi", None, "1.0"),
        ("README", "unknown", None, "README"),
        ("odd.whl", "wheel", None, ""),
    ],
)
def test_a_filename_tells_type_tag_and_version(
    filename: str, kind: str, tag: str | None, version: str
) -> None:
    """Each known extension names its type; wheels and eggs carry their tags."""
    assert package_type(filename) == kind
    assert python_tag(filename) == tag
    assert filename_version(filename) == version


@pytest.mark.parametrize(
    ("versions", "filename", "expected"),
    [
        (["1.0", "1.1"], "demo-1.1.tar.gz", "1.1"),
        (["1.0", "1.1"], "demo-1.1-py3-none-any.whl", "1.1"),
        (["1.0"], "demo-1.0.0.tar.gz", "1.0"),  # PEP 440-equal spelling
        (["2.0b1"], "demo-2.0b1.tar.gz", "2.0b1"),
        (["1.0"], "demo-2.0.tar.gz", None),
        (["1.0"], "demo-nonsense.tar.gz", None),
        (["1." + "9" * 5000], "demo-1." + "9" * 5000 + ".tar.gz", "1." + "9" * 5000),
        ([], "demo-1.0.tar.gz", None),
    ],
)
def test_files_are_matched_to_listed_versions(
    versions: list[str], filename: str, expected: str | None
) -> None:
    """A file belongs to the listed version its name shows, as written or PEP 440-equal."""
    assert VersionMatcher(versions).version(filename) == expected


def test_a_huge_unlisted_version_is_no_version() -> None:
    """A version of more digits than int() takes matches nothing, and raises nothing."""
    assert VersionMatcher(["1.0"]).version("demo-1." + "9" * 5000 + ".tar.gz") is None


def test_the_last_rule_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Comparing names with every listed version stops at the bound: an upstream's page
    of many files and many versions costs bounded work (the usual layouts still match)."""
    monkeypatch.setattr("pypins.filenames.MAX_NAME_COMPARISONS", 3)
    matcher = VersionMatcher(["1.0", "2.0"])
    assert matcher.version("demo-1.0.post1.tar.gz") == "1.0"  # 2 comparisons
    assert matcher.version("demo-2.0.post1.tar.gz") is None  # 2 more: over the bound
    assert matcher.version("demo-2.0.tar.gz") == "2.0"


@pytest.mark.parametrize(
    ("filename", "pairs", "platforms"),
    [
        (
            "demo-1.0-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            ["cp313-cp313t"],
            ["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
        ),
        ("demo-1.0-1build-py2.py3-none-any.whl", ["py2-none", "py3-none"], ["any"]),
        ("Demo-1.0-CP39-ABI3-WIN_AMD64.whl", ["cp39-abi3"], ["win_amd64"]),
        ("demo-1.0-py3--any.whl", [], ["any"]),
        ("not-a-wheel.zip", [], []),
        ("too-few.whl", [], []),
        ("demo-1.0.tar.gz", [], []),
    ],
)
def test_wheel_tags(filename: str, pairs: list[str], platforms: list[str]) -> None:
    """Compressed tag sets expand, interpreter and ABI stay paired, tags are lower-cased;
    names that are not a wheel's (or not a wheel's layout) give nothing."""
    assert wheel_tags(filename) == (pairs, platforms)
