"""Licence names and colours, ported from shields' ``getLicenses`` and ``licenses.js``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pypins.badges import PackageFacts
from pypins.badges.licenses import (
    badge_licenses,
    classifier_licenses,
    expression_ids,
    license_color,
    license_source,
)

BARE = PackageFacts(name="demo", normalized_name="demo", version="1.0")


@pytest.mark.parametrize(
    ("classifiers", "expected"),
    [
        # shields' pypi-helpers.spec.js, getLicenses (classifier part)
        (("OSI Approved :: MIT License",), ("MIT",)),
        (("OSI Approved :: MIT License", "DFSG approved"), ("MIT",)),
        (("Public Domain",), ("Public Domain",)),
        (("Netscape Public License (NPL)",), ("NPL",)),
        (("OSI Approved :: Apache Software License",), ("Apache-2.0",)),
        (("CC0 1.0 Universal (CC0 1.0) Public Domain Dedication",), ("CC0-1.0",)),
        (("OSI Approved :: GNU Affero General Public License v3",), ("AGPL-3.0",)),
        (("OSI Approved :: Zero-Clause BSD (0BSD)",), ("0BSD",)),
        # shields' pypi-license.tester.js
        (("OSI Approved :: GNU General Public License (GPL)",), ("GPL",)),
        # more of the same rules
        (("OSI Approved :: BSD License",), ("BSD",)),
        (("DFSG approved",), ("DFSG approved",)),
        (("OSI Approved",), ("OSI Approved",)),
        (("Other/Proprietary License",), ("Other/Proprietary",)),
        (("OSI Approved :: isc",), ("ISC",)),
        ((), ()),
    ],
)
def test_classifier_licenses_match_shields(
    classifiers: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    """Classifiers become short licence names by shields' rules."""
    assert classifier_licenses(classifiers) == expected


@pytest.mark.parametrize(
    ("changes", "licenses", "source"),
    [
        (
            {"license_expression": "MIT", "license": "BSD", "license_classifiers": ("x",)},
            ("MIT",),
            "expression",
        ),
        (
            {"license": "MIT", "license_classifiers": ("OSI Approved :: BSD License",)},
            ("MIT",),
            "license",
        ),
        ({"license_classifiers": ("OSI Approved :: BSD License",)}, ("BSD",), "classifiers"),
        ({}, (), "none"),
    ],
)
def test_licence_precedence(
    changes: dict[str, object], licenses: tuple[str, ...], source: str
) -> None:
    """Expression, then the short licence field, then classifiers."""
    facts = replace(BARE, **changes)  # type: ignore[arg-type]
    assert badge_licenses(facts) == licenses
    assert license_source(facts) == source


@pytest.mark.parametrize(
    ("licenses", "color"),
    [
        (["MIT"], "green"),
        (["Apache 2.0"], "green"),
        (["BSD"], "green"),
        (["GPL"], "orange"),
        (["MPL-2.0"], "orange"),
        (["CC0-1.0"], "7cd958"),
        (["Unlicense"], "7cd958"),
        (["Public Domain"], "lightgrey"),
        (["Apache-2.0 OR MIT"], "lightgrey"),
        (["GPL", "MIT"], "green"),
        (["MIT", "WTFPL"], "7cd958"),
        (["MIT", "unknown"], "green"),
        ([], "lightgrey"),
    ],
)
def test_license_colours_match_shields(licenses: list[str], color: str) -> None:
    """The highest-priority kind wins: public domain, permissive, copyleft, unknown."""
    assert license_color(licenses) == color


@pytest.mark.parametrize(
    ("expression", "color"),
    [
        ("MIT", "green"),
        ("Apache-2.0 OR MIT", "green"),
        ("GPL-3.0-or-later WITH GCC-exception-3.1", "orange"),
        ("MPL-2.0 AND (Apache-2.0 OR MIT)", "green"),
        ("LicenseRef-Proprietary", "lightgrey"),
    ],
)
def test_expressions_are_coloured_by_their_ids(expression: str, color: str) -> None:
    """With ``expressions``, an SPDX expression takes the best colour of its ids."""
    assert license_color([expression], expressions=True) == color


def test_expression_ids() -> None:
    """Operators and parentheses are not ids."""
    assert expression_ids("MPL-2.0 AND (Apache-2.0 or MIT) WITH X") == (
        "MPL-2.0",
        "Apache-2.0",
        "MIT",
        "X",
    )
