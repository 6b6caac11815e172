"""In a real headless Chromium, every text fits inside its box, in every style.

Debian's Chromium is driven by Playwright (nothing is downloaded at run time). The page
is set from a string: no network. A screenshot is saved to ``test-artifacts/``.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pypins.render import STYLES, render_svg
from pypins.render._css_colors import CSS_COLORS
from tests.support.binaries import require_binary
from tests.support.browser import CHROMIUM_ARGS

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: Pixels a text's box may exceed its background by (anti-aliasing, rounding).
TOLERANCE = 0.5

#: (label, message, whether Chromium draws it with DejaVu Sans alone).
CASES = [
    ("build", "passing", True),
    ("", "message only", True),
    ("python", "3.8 | 3.9 | 3.10 | 3.11 | 3.12", True),
    ("WWWWWWWWWW", "iiiiiiiiii", True),
    ("mmm MMM", "!!! ...", True),
    ("<&>\"'", "]]> & <script>", True),
    ("Ελληνικά", "русский язык", True),
    ("ÀÉÎÕÜ ç ß", "€ → ≤ ∞ √", False),  # symbols: Verdana's and DejaVu's differ more
    ("日本語", "😀 🚀 emoji", False),
    ("עברית", "العربية", False),
    ("e\u0301\u0301", "tab\tnul\x00 ctl\x1b", False),
    ("long", "x" * 300, True),
]

MEASURE = """
() => Array.from(document.querySelectorAll('div.badge')).flatMap((div) => {
  const svg = div.querySelector('svg');
  const boxes = Array.from(svg.querySelectorAll('rect'))
    .filter((r) => !r.closest('clipPath') && !(r.getAttribute('fill') || '').startsWith('url('))
    .map((r) => r.getBBox())
    .filter((b) => b.width > 1 && b.height > 10)
    .map((b) => ({left: b.x, right: b.x + b.width}));
  return Array.from(svg.querySelectorAll('text'))
    .filter((t) => t.getAttribute('aria-hidden') !== 'true'
      && !t.closest('g[aria-hidden="true"]:not([text-anchor])'))
    .map((t) => {
      const b = t.getBBox();
      const clone = t.cloneNode(true);
      clone.removeAttribute('textLength');
      t.parentNode.appendChild(clone);
      const natural = clone.getComputedTextLength() / 10;
      clone.remove();
      return {
        id: div.id, text: t.textContent, latin: div.dataset.latin === '1',
        left: b.x / 10, right: (b.x + b.width) / 10, top: b.y / 10, bottom: (b.y + b.height) / 10,
        length: Number(t.getAttribute('textLength')) / 10, natural, boxes,
        height: Number(svg.getAttribute('height')),
      };
    });
})
"""


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    """A page of Debian's headless Chromium, driven by Playwright."""
    executable = require_binary("chromium", "/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1600, "height": 900})
        finally:
            browser.close()


def badge_page() -> str:
    """An HTML page with every style and every awkward case, inlined."""
    rows = []
    for style in STYLES:
        for index, (label, message, latin) in enumerate(CASES):
            svg = render_svg(label, message, "green", style=style)
            rows.append(
                f'<div class="badge" id="{style}-{index}" data-latin="{int(latin)}" '
                f'title="{html.escape(style)}">{svg}</div>'
            )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        "body{margin:8px;font-family:Verdana,Geneva,DejaVu Sans,sans-serif}"
        "div.badge{margin:2px 0;line-height:0}</style></head><body>"
        + "".join(rows)
        + "</body></html>"
    )


def test_every_text_fits_its_box(page: Any) -> None:
    """Each text's bounding box lies inside its background box and the badge height."""
    page.set_content(badge_page())
    measures = page.evaluate(MEASURE)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "render-browser.png"), full_page=True)
    assert len(measures) >= len(STYLES) * len(CASES)
    problems = []
    for item in measures:
        if not item["text"]:
            continue  # badge-maker's empty social label: nothing drawn
        centre = (item["left"] + item["right"]) / 2
        box = next((b for b in item["boxes"] if b["left"] <= centre <= b["right"]), None)
        if box is None:
            problems.append(("no box", item["id"], item["text"]))
            continue
        if item["left"] < box["left"] - TOLERANCE or item["right"] > box["right"] + TOLERANCE:
            problems.append(("overflows its box", item["id"], item["text"], item, box))
        if item["top"] < -TOLERANCE or item["bottom"] > item["height"] + TOLERANCE:
            problems.append(("overflows the height", item["id"], item["text"], item))
        if item["right"] - item["left"] > item["length"] + 1:
            problems.append(("wider than its textLength", item["id"], item))
    assert problems == []


def test_dejavu_needs_little_adjustment(page: Any) -> None:
    """Without ``textLength``, Chromium's DejaVu Sans width of Latin texts is near ours.

    pypins measures with shields.io's Verdana metrics; where Verdana is missing (here, as
    on most Linux systems) DejaVu Sans is drawn and ``textLength`` stretches or squeezes
    it. Checked on the 11 px styles: the adjustment stays within 8 % (or 3 px).
    """
    page.set_content(badge_page())
    measures = [
        item
        for item in page.evaluate(MEASURE)
        if item["latin"] and item["id"].rsplit("-", 1)[0] in ("flat", "flat-square", "plastic")
    ]
    assert measures
    for item in measures:
        expected = item["length"]
        assert abs(item["natural"] - expected) <= max(3, 0.08 * expected), item


def test_css_named_colours_match_chromium(page: Any) -> None:
    """Each CSS named colour of the table is the colour Chromium gives that name."""
    page.set_content("<svg xmlns='http://www.w3.org/2000/svg'><rect id='r'/></svg>")
    computed = page.evaluate(
        """(names) => names.map((name) => {
             const rect = document.getElementById('r');
             rect.setAttribute('fill', name);
             return getComputedStyle(rect).fill;
           })""",
        sorted(CSS_COLORS),
    )
    for name, value in zip(sorted(CSS_COLORS), computed, strict=True):
        hex_value = CSS_COLORS[name]
        rgb = tuple(int(hex_value[i : i + 2], 16) for i in (1, 3, 5))
        assert value == f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})", name
