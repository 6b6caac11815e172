"""pypins draws every golden badge exactly as badge-maker 6.0.0 (shields.io's renderer) does.

The golden files are badge-maker's own output (``scripts/badge_maker_golden.py golden``,
see ``golden/README.md``); pypins must give the same document, element ids aside.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pypins.render import STYLES, render_svg
from pypins.render._logos import sanitize_svg
from tests.render.svgtools import parse_svg

GOLDEN = Path(__file__).with_name("golden")
CASES: list[dict[str, Any]] = json.loads((GOLDEN / "spec.json").read_text("utf-8"))
#: An element id where it is defined, or referenced from an attribute or the social CSS.
_ID = re.compile(r'(?<= id=")[\w.-]+(?=")|(?<=url\(#)[\w.-]+(?=\))|(?<=:hover #)[\w.-]+')


def render(case: dict[str, Any]) -> str:
    """pypins' SVG for one golden case."""
    return render_svg(
        case["label"],
        case["message"],
        case.get("color", "blue"),
        label_color=case.get("label_color"),
        style=case["style"],
        logo=case.get("logo"),
        logo_color=case.get("logo_color"),
        logo_width=case.get("logo_width"),
        links=case.get("links", ()),
    )


def golden(case: dict[str, Any]) -> str:
    """badge-maker's SVG for one golden case."""
    return (GOLDEN / f"{case['name']}.svg").read_text("utf-8").strip()


def normalize_ids(svg: str) -> str:
    """``svg`` with its element ids renamed ``id0``, ``id1``... in order of appearance."""
    names: dict[str, str] = {}
    return _ID.sub(lambda match: names.setdefault(match.group(), f"id{len(names)}"), svg)


def width(svg: str) -> str:
    """The badge's width as written on its root element."""
    return parse_svg(svg).get("width") or ""


def test_spec_and_files_agree() -> None:
    """Every case has a golden file and every golden file a case."""
    names = {case["name"] for case in CASES}
    assert len(names) == len(CASES)
    assert {path.stem for path in GOLDEN.glob("*.svg")} == names


def test_cases_cover_every_style_logos_and_links() -> None:
    """Each style has cases without a label, with logos of each kind and with links."""
    for style in STYLES:
        mine = [case for case in CASES if case["style"] == style]
        assert any(not case["label"] for case in mine)
        assert any(case.get("logo", "").startswith("data:image/svg") for case in mine)
        assert any(case.get("logo", "").startswith("data:image/png") for case in mine)
        assert any(case.get("logo", "x")[:5] not in ("x", "data:") for case in mine)
        assert {len(case.get("links", ())) for case in mine} >= {1, 2}


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_same_svg_as_badge_maker(case: dict[str, Any]) -> None:
    """The document is badge-maker's, byte for byte once ids are renamed alike."""
    assert normalize_ids(render(case)) == normalize_ids(golden(case))


def test_widths_equal_on_every_case() -> None:
    """The issue's bar is 99 % of widths equal; pypins gives every one."""
    unequal = [case["name"] for case in CASES if width(render(case)) != width(golden(case))]
    assert unequal == []


def test_svg_data_logos_are_already_canonical() -> None:
    """The SVG logos of the spec pass the sanitiser unchanged, so hrefs compare as-is."""
    for case in CASES:
        logo = case.get("logo", "")
        if logo.startswith("data:image/svg+xml;base64,"):
            data = base64.b64decode(logo.partition(",")[2])
            assert sanitize_svg(data) == data


def test_ids_are_unique_per_style_and_width() -> None:
    """Two inlined badges that differ in style or width never share an id."""
    seen: dict[str, str] = {}
    for case in CASES:
        svg = render(case)
        for name in re.findall(r' id="([^"]+)"', svg):
            key = f"{case['style']}:{width(svg)}"
            assert seen.setdefault(name, key) == key
