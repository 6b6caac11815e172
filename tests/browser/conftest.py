"""A real ``pypins serve`` on the loopback upstream, and Debian's Chromium to look at it.

Chromium is driven by Playwright through ``executable_path``: nothing is downloaded at
run time. One service and one browser serve the whole module; each test gets a fresh
browser context (cookies, storage, clipboard permissions) and page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.binaries import require_binary
from tests.support.browser import CHROMIUM_ARGS
from tests.support.service import Service
from tests.support.upstream import Upstream

#: Where screenshots go (``test-artifacts/`` at the repository root).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: Flags for headless Chromium in containers and CI, with nothing phoning home.
#: Milliseconds a page, an image or a clipboard may take before a test fails.
TIMEOUT_MS = 5_000


@pytest.fixture(scope="module")
def service(upstream_server: Upstream) -> Iterator[Service]:
    """``pypins serve`` against the loopback PyPI, pypistats and updates feed."""
    with Service(
        "--pypi-url",
        upstream_server.pypi_url,
        "--stats-url",
        upstream_server.stats_url,
        "--updates-url",
        upstream_server.latest_updates_url,
        "--log-level",
        "warning",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium (skips locally, fails in CI, when it is missing)."""
    executable = require_binary("chromium", "/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Any, service: Service) -> Iterator[Any]:
    """A browser context on the service's origin, allowed to use the clipboard."""
    context = browser.new_context(
        base_url=service.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=service.url)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def errors() -> list[str]:
    """The errors the page reported: uncaught exceptions, console errors, CSP refusals."""
    return []


@pytest.fixture
def page(context: Any, errors: list[str]) -> Any:
    """A fresh tab whose errors land in ``errors``."""
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: _console(message, errors))
    return tab


def _console(message: Any, errors: list[str]) -> None:
    if message.type == "error":
        errors.append(message.text)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The directory test artefacts (screenshots) are saved to."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
