"""A pypins app wired to the loopback upstream, driven in-process through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest

from pypins.config import ServiceConfig
from pypins.web.asgi import PypinsApp
from pypins.web.service import BadgeService
from tests.support.upstream import Upstream


@dataclass
class FakeClock:
    """Wall-clock seconds that only move when a test says so."""

    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A clock the test advances by hand."""
    return FakeClock()


@pytest.fixture
def config(upstream: Upstream) -> ServiceConfig:
    """A configuration pointing every upstream at the loopback server."""
    return ServiceConfig(
        pypi_url=upstream.pypi_url,
        stats_url=upstream.stats_url,
        updates_url=upstream.latest_updates_url,
        cache_ttl=600,
        grace=3600,
        negative_ttl=60,
        timeout=2.0,
        allowed_registries=(upstream.pypi_url + "/",),
    )


@pytest.fixture
def make_app(clock: FakeClock) -> Callable[[ServiceConfig], PypinsApp]:
    """Build apps on the fake clock (the ``client`` fixture stops their services)."""

    def make(config: ServiceConfig) -> PypinsApp:
        app = PypinsApp(BadgeService(config, clock=clock))
        app.clock = clock
        return app

    return make


@pytest.fixture
def app(make_app: Callable[[ServiceConfig], PypinsApp], config: ServiceConfig) -> PypinsApp:
    """The app under test."""
    return make_app(config)


@pytest.fixture
async def client(app: PypinsApp) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to ``app`` in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pypins.test") as http:
        yield http
    await app.service.stop()
