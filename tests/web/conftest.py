"""A pypins app wired to the loopback upstream, driven in-process through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from pypins.config import ServiceConfig
from pypins.web.asgi import PypinsApp
from pypins.web.service import BadgeService
from tests.support.clock import FakeClock
from tests.support.service import loopback_config
from tests.support.upstream import Upstream


@pytest.fixture
def clock() -> FakeClock:
    """A clock the test advances by hand."""
    return FakeClock()


@pytest.fixture
def config(upstream: Upstream) -> ServiceConfig:
    """A configuration pointing every upstream at the loopback server."""
    # The loopback upstream stands in for a registry too.
    return loopback_config(upstream, allow_private_registries=True)


@pytest.fixture
async def make_app(clock: FakeClock) -> AsyncIterator[Callable[[ServiceConfig], PypinsApp]]:
    """Build apps on the fake clock; their services are stopped afterwards."""
    apps: list[PypinsApp] = []

    def make(config: ServiceConfig) -> PypinsApp:
        app = PypinsApp(BadgeService(config, clock=clock))
        app.clock = clock
        apps.append(app)
        return app

    yield make
    for app in apps:
        await app.service.stop()


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
