"""``/`` and ``/stats`` in a real Chromium at a phone's and a desktop's width.

Each page fits its viewport (no horizontal scrolling), wears the same navigation, and
shows only images that decode; a package PyPI does not know gets a notice instead of
badges. Full-page screenshots go to ``test-artifacts/pages-<page>-<viewport>.png``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from pypins.web.pages import NAV
from tests.support.service import Service
from tests.support.upstream import Upstream

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
#: The pages looked at: a name for the screenshot, and the address.
PAGES = {
    "index": "/",
    "package": "/?package=requests",
    "missing": "/?package=pypins-no-such-package",
    "stats": "/stats?days=7",
}
#: Badges requested before the pages are looked at, so that /stats has rows to show.
COUNTED = [
    "/pypi/v/requests.svg",
    "/pypi/pyversions/requests.svg",
    "/pypi/v/zope.interface.svg",
    "/pypi/frameworkversions/django/django-filter.svg?style=for-the-badge",
]
#: Seconds /stats may take to show the counts (flushed every few seconds).
COUNTS_TIMEOUT = 60.0
#: Lazy images load now, then: whether every image is complete and decoded.
ALL_IMAGES_DECODED = """
() => {
  const images = Array.from(document.images);
  images.forEach((image) => { image.loading = "eager"; });
  return images.every((image) => image.complete);
}
"""
BROKEN_IMAGES = """
() => Array.from(document.images)
  .filter((image) => !image.complete || image.naturalWidth === 0)
  .map((image) => image.getAttribute("src"))
"""
#: How far the page reaches past the viewport, and the elements that stick out.
OVERFLOW = """
() => {
  const width = window.innerWidth;
  const wide = Array.from(document.querySelectorAll("body *"))
    .filter((element) => element.getBoundingClientRect().right > width + 0.5)
    .filter((element) => !element.closest(".visually-hidden, .skip-link"))
    .map((element) => element.tagName.toLowerCase() + "." + element.className)
    .slice(0, 10);
  return {scroll: document.documentElement.scrollWidth, inner: width, wide};
}
"""
NAVIGATION = """
() => Array.from(document.querySelectorAll("nav.site-nav a"),
                 (link) => [link.getAttribute("href"), link.textContent.trim()])
"""


@pytest.fixture(scope="module")
def service(
    upstream_server: Upstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """``pypins serve`` on the loopback upstreams, counting requests in a file of its own,
    with a few badges requested and counted."""
    usage = tmp_path_factory.mktemp("usage") / "usage.sqlite3"
    with Service(
        "--pypi-url",
        upstream_server.pypi_url,
        "--stats-url",
        upstream_server.stats_url,
        "--updates-url",
        upstream_server.latest_updates_url,
        "--log-level",
        "warning",
        env={"PYPINS_USAGE_DB": str(usage)},
    ) as running:
        with httpx.Client(base_url=running.url, timeout=30) as client:
            for target in COUNTED:
                assert client.get(target).status_code == 200
        yield running


@pytest.fixture(scope="module")
def counted(service: Service) -> None:
    """Wait until /stats.json shows the requested badges (counts are flushed in turns):
    an event awaited with a generous bound, between short pauses."""
    deadline = time.monotonic() + COUNTS_TIMEOUT
    with httpx.Client(base_url=service.url, timeout=30) as client:
        while not client.get("/stats.json?days=7").json()["top"]:
            assert time.monotonic() < deadline, "the counts never reached /stats.json"
            time.sleep(0.25)


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """The viewport's name: ``phone`` (390 x 844) or ``desktop`` (1280 x 800)."""
    name: str = request.param
    return name


@pytest.fixture
def sized_page(browser: Any, service: Service, viewport: str, errors: list[str]) -> Iterator[Any]:
    """A tab of the viewport's size, phone-like (touch, device scale 2) at phone width."""
    phone = viewport == "phone"
    context = browser.new_context(
        base_url=service.url,
        viewport=VIEWPORTS[viewport],
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        locale="en-GB",
    )
    context.set_default_timeout(30_000)
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: message.type == "error" and errors.append(message.text))
    try:
        yield tab
    finally:
        context.close()


@pytest.mark.usefixtures("counted")
@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_fits_and_shares_the_navigation(
    sized_page: Any, viewport: str, name: str, artifacts: Path, errors: list[str]
) -> None:
    """No horizontal overflow, the one navigation, every image decoded; a screenshot."""
    response = sized_page.goto(PAGES[name])
    assert response is not None
    assert response.status == (404 if name == "missing" else 200)
    sized_page.wait_for_function(ALL_IMAGES_DECODED)
    assert sized_page.evaluate(BROKEN_IMAGES) == []
    assert sized_page.evaluate(NAVIGATION) == [list(link) for link in NAV]
    overflow = sized_page.evaluate(OVERFLOW)
    assert overflow["scroll"] <= overflow["inner"], overflow
    if name == "missing":
        notice = sized_page.locator("#package-missing")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("Not found on PyPI")
        assert sized_page.locator("#badges").count() == 0
    if name == "stats":
        expect(sized_page.locator("table tbody tr").first).to_be_visible()
    sized_page.screenshot(path=str(artifacts / f"pages-{name}-{viewport}.png"), full_page=True)
    if name == "missing":  # Chromium reports the page's own status
        errors.remove(
            "Failed to load resource: the server responded with a status of 404 (Not Found)"
        )
    assert errors == []
