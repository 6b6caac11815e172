"""The app's memory: one budget across its caches, and a flood that cannot evict the
badges asked for again and again (issue 20's one-off keys, at small scale)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pypins.cache.budget import MB, SHARES, MemoryBudget
from pypins.config import ServiceConfig
from pypins.web.asgi import PypinsApp

#: Badges a page shows on every view: asked for again and again.
WORKING_SET = [
    "/pypi/v/six.svg",
    "/pypi/v/six.svg?style=flat-square",
    "/pypi/l/six.svg",
    "/pypi/pyversions/six.svg",
    "/pypi/wheel/six.svg",
    "/pypi/status/six.svg",
    "/pypi/v/requests.svg",
    "/badge/build-passing-brightgreen.svg",
]


def _one_offs(round_: int, count: int) -> list[str]:
    """Keys asked for once: custom labels, static badges and builder queries."""
    targets = []
    for n in range(round_ * count, (round_ + 1) * count):
        if n % 4 == 0:
            targets.append(f"/badge/flood-{n}-green.svg")
        elif n % 8 == 1:
            targets.append(f"/?package=six&r={n}")
        else:
            targets.append(f"/pypi/v/six.svg?label=x{n}")
    return targets


def _caches(app: PypinsApp) -> dict[str, Any]:
    """Every in-process cache of ``app`` (each a ``TinyLFUCache``), by its share."""
    sources = app.service.sources
    return {
        "hot": app.hot,
        "rendered": app.service.pipeline.rendered,
        "records": sources.facts.memory,
        "index": sources.index.memory,
        "attestations": sources.attestations.memory,
        "downloads": sources.downloads.memory,
        "pages": app.service.endpoints.pages,
    }


@pytest.fixture
def small_app(make_app: Callable[[ServiceConfig], PypinsApp], config: ServiceConfig) -> PypinsApp:
    """An app with the smallest budget: a few hundred badges."""
    return make_app(config.replace(memory_budget=1))


@pytest.fixture
async def small_client(small_app: PypinsApp) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=small_app)
    return httpx.AsyncClient(transport=transport, base_url="http://pypins.test")


def test_each_cache_holds_its_share(small_app: PypinsApp) -> None:
    """Every cache is bounded by its share of ``PYPINS_MEMORY_BUDGET``, and the shares
    make up the budget."""
    budget = MemoryBudget(MB)
    caches = _caches(small_app)
    assert set(caches) == set(SHARES)
    for name, cache in caches.items():
        assert cache.max_bytes == budget.share(name), name


async def test_a_flood_of_one_offs_keeps_the_working_set(
    small_app: PypinsApp, small_client: httpx.AsyncClient
) -> None:
    """Between two views of a page, more one-off keys than the hot index holds: the
    page's badges stay hot, and no cache ever holds more than its share."""
    app = small_app
    rounds, per_round = 8, 240
    async with small_client as client:
        for round_ in range(rounds):
            hits_before = app.hot_hits
            for target in WORKING_SET:
                response = await client.get(target)
                assert response.status_code == 200, target
            if round_ >= 3:
                assert app.hot_hits - hits_before == len(WORKING_SET), round_
            for target in _one_offs(round_, per_round):
                assert (await client.get(target)).status_code == 200, target
                for name, cache in _caches(app).items():
                    assert cache.bytes <= cache.max_bytes, name
    assert app.hot.rejected > 0
    # The flood was larger than the hot index: a least-recently-used index would have
    # lost every badge of the working set between two views.
    assert rounds * per_round > len(app.hot) * 2
    assert sum(cache.bytes for cache in _caches(app).values()) <= MB


async def test_the_builder_is_kept_by_package_and_style(
    app: PypinsApp, client: httpx.AsyncClient
) -> None:
    """Builder pages are kept by package and style, not by query string, and never in
    the hot index: extra parameters add nothing, whatever their number."""
    first = await client.get("/?package=six&style=flat-square")
    for n in range(30):
        again = await client.get(f"/?package=six&style=flat-square&r={n}")
        assert again.content == first.content
    assert len(app.service.endpoints.pages) == 1
    assert len(app.hot) == 0
    # Pages that quote the query back (an unknown style, an invalid name) are not kept.
    for target in ("/?package=six&style=nope-1", "/?package=-six-", "/?package=six&style=x"):
        assert (await client.get(target)).status_code == 200
    assert len(app.service.endpoints.pages) == 1
    await client.get("/?package=requests")
    assert len(app.service.endpoints.pages) == 2
