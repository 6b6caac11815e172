"""Structural golden tests: every style's element tree, sizes and colours stay put.

After an intended change, run ``python -m tests.render.regenerate_golden`` and review.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

import pytest

from tests.render.regenerate_golden import GOLDEN, cases, render
from tests.render.svgtools import parse_svg

CASES = cases()


def describe(element: Element, path: str = "") -> list[tuple[str, dict[str, str], str]]:
    """The element tree flattened as ``(path, attributes, text)`` rows."""
    here = f"{path}/{element.tag.rpartition('}')[2]}"
    rows = [(here, dict(element.attrib), (element.text or "").strip())]
    for index, child in enumerate(element):
        rows.extend(describe(child, f"{here}[{index}]"))
    return rows


def test_spec_and_files_agree() -> None:
    """Every case has a golden file and every golden file a case."""
    names = {case["name"] for case in CASES}
    assert len(names) == len(CASES)
    assert {path.stem for path in GOLDEN.glob("*.svg")} == names


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_matches_golden(case: dict[str, Any]) -> None:
    """The rendered tree equals the golden one, element by element."""
    golden = describe(parse_svg((GOLDEN / f"{case['name']}.svg").read_text("utf-8")))
    actual = describe(parse_svg(render(case)))
    for expected_row, actual_row in zip(golden, actual, strict=False):
        assert actual_row == expected_row
    assert len(actual) == len(golden)


def test_styles_are_all_covered() -> None:
    """The golden cases cover every style, with and without a label."""
    from pypins.render import STYLES

    assert {case["style"] for case in CASES} == set(STYLES)
    assert {case["style"] for case in CASES if not case["label"]} == set(STYLES)
