"""The badge builder in a real Chromium against a real ``pypins serve``.

Typing a name and pressing Enter shows every badge (each image decodes), a style change
re-points images and snippets in place, copy buttons fill the clipboard, the keyboard
reaches everything, text has enough contrast, and hostile input stays inert. A
full-page screenshot is saved to ``test-artifacts/builder.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from pypins.web.pages import PLACEHOLDER_BASE, builder_badges, snippet
from tests.support.service import Service

pytestmark = pytest.mark.browser

ALL_LOADED = """
(suffix) => {
  const images = Array.from(document.images);
  return images.length > 0 && images.every(
    (image) => image.complete && image.getAttribute("src").endsWith(suffix));
}
"""
IMAGES = """
() => Array.from(document.images).map((image) => ({
  src: image.getAttribute("src"), width: image.naturalWidth, height: image.naturalHeight,
}))
"""
SNIPPETS = "() => Array.from(document.querySelectorAll('textarea.snippet'), (t) => t.value)"
#: Each element with text of its own: its contrast ratio against what is behind it.
CONTRAST = """
() => {
  const parse = (css) => {
    const parts = css.match(/[\\d.]+/g).map(Number);
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const backdrop = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const color = parse(getComputedStyle(node).backgroundColor);
      if (color.a > 0) layers.push(color);
      if (color.a >= 1) break;
    }
    return layers.reverse().reduce((below, layer) => over(layer, below),
                                   {r: 255, g: 255, b: 255, a: 1});
  };
  const luminance = ({r, g, b}) => {
    const channel = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  return Array.from(document.querySelectorAll("body *")).flatMap((element) => {
    const ownText = Array.from(element.childNodes)
      .some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
    if (!ownText || !element.getClientRects().length) return [];
    if (element.closest(".visually-hidden, script, style, [hidden]")) return [];
    const style = getComputedStyle(element);
    const background = backdrop(element);
    const [a, b] = [luminance(over(parse(style.color), background)), luminance(background)];
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    return [{
      text: element.textContent.trim().slice(0, 40),
      ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
      needed: large ? 3 : 4.5,
    }];
  });
}
"""


def images_of(page: Any, suffix: str = "") -> list[dict[str, Any]]:
    """The page's images once all are loaded (and their URLs end with ``suffix``)."""
    page.wait_for_function(ALL_LOADED, arg=suffix)
    images: list[dict[str, Any]] = page.evaluate(IMAGES)
    return images


def open_results(page: Any, package: str = "requests") -> list[dict[str, Any]]:
    """Open the builder's answer for ``package``; its loaded images."""
    page.goto(f"/?package={package}")
    return images_of(page)


def test_type_a_name_and_see_every_badge(
    page: Any, service: Service, artifacts: Path, errors: list[str]
) -> None:
    """A name typed and submitted with Enter shows every badge, each image decoded."""
    page.goto("/")
    field = page.get_by_label("Package name")
    field.press_sequentially("requests")
    field.press("Enter")
    page.wait_for_url("**/?package=requests&style=flat")
    images = images_of(page)
    assert [image["src"] for image in images] == [b.path for b in builder_badges("requests")]
    assert [image for image in images if image["width"] <= 0] == []
    expected = snippet("markdown", f"{service.url}/pypi/v/requests.svg", "PyPI - Version")
    assert page.locator("#snippet-pypi-v-markdown").input_value() == expected
    assert service.url in page.locator("#base-note").inner_text()
    assert not any(PLACEHOLDER_BASE in text for text in page.evaluate(SNIPPETS))
    expect(page.locator("button.copy").first).to_be_visible()
    page.screenshot(path=str(artifacts / "builder.png"), full_page=True)
    assert errors == []


def test_switching_style_repoints_images_and_snippets(page: Any, errors: list[str]) -> None:
    """A new style changes every image and snippet in place, and survives a resubmit."""
    before = open_results(page)
    page.get_by_label("Style").select_option("for-the-badge")
    after = images_of(page, "?style=for-the-badge")
    assert [image["src"] for image in after] == [
        image["src"] + "?style=for-the-badge" for image in before
    ]
    assert all(image["width"] > 0 for image in after)
    assert all(new["height"] > old["height"] for old, new in zip(before, after, strict=True))
    assert all("?style=for-the-badge" in text for text in page.evaluate(SNIPPETS))
    assert page.url.endswith("?package=requests&style=for-the-badge")
    expect(page.locator("#announcer")).to_contain_text("for-the-badge")
    page.get_by_role("button", name="Show badges").click()
    page.wait_for_url("**/?package=requests&style=for-the-badge")
    assert images_of(page, "?style=for-the-badge") == after
    assert errors == []


@pytest.mark.parametrize(
    ("fmt", "name", "use_keyboard"),
    [("markdown", "Markdown", False), ("rst", "reStructuredText", True)],
)
def test_copy_button_fills_the_clipboard(
    page: Any, service: Service, fmt: str, name: str, use_keyboard: bool
) -> None:
    """A copy button, clicked or pressed with Enter, puts the snippet on the clipboard."""
    open_results(page)
    button = page.locator(f"button.copy[data-copy='snippet-pypi-v-{fmt}']")
    expect(button).to_have_accessible_name(f"Copy the {name} snippet of PyPI - Version")
    if use_keyboard:
        button.focus()
        page.keyboard.press("Enter")
    else:
        button.click()
    expect(page.locator("#announcer")).to_have_text(f"Copied the {name} snippet of PyPI - Version.")
    expect(button).to_contain_text("Copied")
    expected = snippet(fmt, f"{service.url}/pypi/v/requests.svg", "PyPI - Version")
    assert page.evaluate("() => navigator.clipboard.readText()") == expected


def test_the_keyboard_reaches_the_form(page: Any) -> None:
    """Tab first reaches a visible skip link, which leads to the main content and the form."""
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert skip.evaluate("(link) => getComputedStyle(link).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Package name")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Style")).to_be_focused()
    page.keyboard.press("Tab")
    button = page.get_by_role("button", name="Show badges")
    expect(button).to_be_focused()
    assert button.evaluate("(b) => getComputedStyle(b).outlineStyle") != "none"


@pytest.mark.parametrize(
    "query", ["package=requests", "package=-bad-&style=nope"], ids=["results", "messages"]
)
def test_text_contrast(page: Any, query: str) -> None:
    """Every text has a contrast ratio of at least 4.5:1 (3:1 for large text)."""
    page.goto(f"/?{query}")
    measured = page.evaluate(CONTRAST)
    assert len(measured) > 20
    assert [m for m in measured if m["ratio"] < m["needed"]] == []


def test_hostile_input_is_inert(page: Any) -> None:
    """Markup in the query is shown as text and runs nothing."""
    payload = "<img src=x onerror=\"document.title='pwned'\"><script>alert(1)</script>"
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"/?package={quote(payload)}&style={quote(payload)}")
    expect(page.locator("#package-error")).to_contain_text("Invalid package name")
    assert page.get_by_label("Package name").input_value() == payload
    assert page.title() == "Invalid package name · pypins"
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []


def test_without_javascript(browser: Any, service: Service) -> None:
    """Without JavaScript the badges and snippets are there, with a placeholder host."""
    context = browser.new_context(base_url=service.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/?package=requests&style=social")
        images = images_of(page, "?style=social")
        assert all(image["width"] > 0 for image in images)
        url = f"{PLACEHOLDER_BASE}/pypi/v/requests.svg?style=social"
        expected = snippet("html", url, "PyPI - Version")
        assert page.locator("#snippet-pypi-v-html").input_value() == expected
        expect(page.locator("#base-note")).to_contain_text(PLACEHOLDER_BASE)
        expect(page.locator("button.copy").first).to_be_hidden()
    finally:
        context.close()
