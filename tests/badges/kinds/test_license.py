"""``/pypi/l`` (ports of shields' tests) and pypip.in's ``/license/``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pypins.badges import Badge
from pypins.badges.kinds import license as license_unit
from pypins.badges.kinds.license import legacy_license
from tests.badges.kinds.common import BARE, render
from tests.badges.support import make_facts

(LEGACY,) = license_unit.LEGACY


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
    assert render(license_unit.KIND, make_facts(**info)) == Badge("license", message, color)


@pytest.mark.parametrize(
    ("changes", "message", "color"),
    [
        (
            {"license_expression": "MIT OR Apache-2.0", "license": "MIT"},
            "MIT OR Apache-2.0",
            "blue",
        ),
        ({"license": "BSD"}, "BSD", "blue"),
        (
            {"license_classifiers": ("OSI Approved :: BSD License", "Public Domain")},
            "BSD License",
            "blue",
        ),
        ({"license_classifiers": ("OSI Approved",)}, "OSI Approved", "blue"),
        ({}, "unknown", "red"),
    ],
)
def test_legacy_license(changes: dict[str, Any], message: str, color: str) -> None:
    """pypip.in: expression, short field, first classifier's last part, else unknown in red."""
    facts = replace(BARE, **changes)
    assert render(LEGACY, facts) == Badge("license", message, color)
    assert legacy_license(facts) == message
