"""Request counts, /stats, the access log and `pypins top`, wired into the running app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from pypins.cli import main
from pypins.config import ServiceConfig
from pypins.stats import UsageStoreError
from pypins.stats.report import utc_day
from pypins.web.asgi import PypinsApp
from tests.support.redis import PATIENT_TIMEOUT, RedisServer

TOKEN = "a-token-of-sufficient-length"


@pytest.fixture
def usage_config(config: ServiceConfig, tmp_path: Path) -> ServiceConfig:
    """Counts in a SQLite file of the test, an access log, the admin token."""
    return config.replace(
        usage_db=str(tmp_path / "usage.sqlite3"),
        access_log=str(tmp_path / "access.log"),
        admin_token=TOKEN,
    )


@pytest.fixture
async def usage_client(
    make_app: Callable[[ServiceConfig], PypinsApp], usage_config: ServiceConfig
) -> AsyncIterator[tuple[PypinsApp, httpx.AsyncClient]]:
    """The app with counting on, and a client for it."""
    app = make_app(usage_config)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield app, client


async def known_traffic(client: httpx.AsyncClient) -> None:
    """requests/v 3 (2 from the hot index), requests/dm 1, six/l 1 (legacy), a missing
    package and a static badge (neither counted)."""
    for _ in range(3):
        await client.get("/pypi/v/requests.svg")
    await client.get("/pypi/dm/requests.svg")
    await client.get("/license/six/badge.svg")
    await client.get("/pypi/v/no-such-package-here.svg")
    await client.get("/badge/a-b-green.svg")


async def test_stats_json_after_known_traffic(
    usage_client: tuple[PypinsApp, httpx.AsyncClient],
) -> None:
    """Counts per (package, kind), the hit ratio and the upstream requests of the window."""
    app, client = usage_client
    await known_traffic(client)
    await app.service.tick(5)
    data = (await client.get("/stats.json?days=7")).json()
    assert data["days"] == 7
    assert data["source"] == "sqlite"
    rows = [(row["package"], row["kind"], row["requests"]) for row in data["top"]]
    assert rows == [("requests", "v", 3), ("requests", "dm", 1), ("six", "pypip.in/license", 1)]
    assert data["total"] == 5
    assert data["upstream"] == {"pypi": 3, "pypistats": 1}
    assert data["cache"]["hit"] >= 2
    assert data["cache"]["miss"] == 4  # three packages and one download count
    page = await client.get("/stats")
    assert page.headers["content-type"].startswith("text/html")
    assert "requests" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


async def test_top_log_counts_hot_index_answers_as_hits(
    usage_client: tuple[PypinsApp, httpx.AsyncClient], usage_config: ServiceConfig
) -> None:
    """`pypins top --log` over the access log sees the hot index's answers as hits."""
    app, client = usage_client
    await known_traffic(client)
    await app.service.tick(5)
    assert usage_config.access_log is not None
    result = CliRunner().invoke(main, ["top", "--log", usage_config.access_log, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["cache"] == {"hit": 2, "stale": 0, "miss": 3}
    assert report["hit_ratio"] == pytest.approx(0.4)


@pytest.mark.parametrize("days", ["0", "-3", "abc", "99999", "", "1&" + "&".join("x" * 100)])
async def test_stats_days_out_of_range_are_clamped(
    usage_client: tuple[PypinsApp, httpx.AsyncClient], days: str
) -> None:
    """Any ``days`` gives a report: out of range is clamped, garbage is the default."""
    _, client = usage_client
    data = (await client.get(f"/stats.json?days={days}")).json()
    assert 1 <= data["days"] <= 400


async def test_counts_survive_a_restart(
    make_app: Callable[[ServiceConfig], PypinsApp], usage_config: ServiceConfig
) -> None:
    """A new app on the same SQLite file sees the counts of the one before."""
    first = make_app(usage_config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=first), base_url="http://t"
    ) as c:
        await c.get("/pypi/v/requests.svg")
        await c.get("/pypi/v/requests.svg")
    first.service.fold_metrics()
    await first.service.stop()
    second = make_app(usage_config)
    transport = httpx.ASGITransport(app=second)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        data = (await client.get("/stats.json")).json()
    assert data["top"][0] == {"rank": 1, "package": "requests", "kind": "v", "requests": 2}
    # The command runs its own event loop: off this one.
    result = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["top", "--usage-db", str(usage_config.usage_db)],
        env={"PYPINS_REDIS_URL": ""},
    )
    assert result.exit_code == 0, result.output
    assert "requests" in result.output


async def test_access_log_lines(
    usage_client: tuple[PypinsApp, httpx.AsyncClient], usage_config: ServiceConfig
) -> None:
    """One JSON line per request with kind, package, status, cache result and duration."""
    app, client = usage_client
    first = await client.get("/pypi/v/requests.svg?style=flat-square")
    await client.get(
        "/pypi/v/requests.svg?style=flat-square", headers={"If-None-Match": first.headers["etag"]}
    )
    await client.get("/nothing/here")
    await app.service.tick(1)
    assert usage_config.access_log is not None
    lines = [json.loads(line) for line in Path(usage_config.access_log).read_text().splitlines()]
    assert [(line["status"], line["cache"]) for line in lines] == [
        (200, "miss"),
        (304, "hot"),
        (404, None),
    ]
    assert lines[0]["path"] == "/pypi/v/requests.svg?style=flat-square"
    assert (lines[0]["kind"], lines[0]["package"], lines[0]["method"]) == (
        "pypi/v",
        "requests",
        "GET",
    )
    assert all(line["duration_ms"] >= 0 and line["time"].endswith("Z") for line in lines)


async def test_admin_stats_reset(usage_client: tuple[PypinsApp, httpx.AsyncClient]) -> None:
    """The admin reset forgets every count; it needs the token."""
    app, client = usage_client
    await known_traffic(client)
    await app.service.tick(5)
    refused = await client.post("/admin/stats/reset")
    assert refused.status_code == 401
    done = await client.post("/admin/stats/reset", headers={"Authorization": f"Bearer {TOKEN}"})
    assert done.json() == {"reset": True}
    assert (await client.get("/stats.json")).json()["total"] == 0


async def test_admin_stats_reset_when_the_store_fails(
    usage_client: tuple[PypinsApp, httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that cannot forget is a 503 saying so, not a 500."""
    app, client = usage_client

    async def broken() -> None:
        raise UsageStoreError("disk I/O error")

    monkeypatch.setattr(app.service.usage, "reset", broken)
    answer = await client.post("/admin/stats/reset", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 503
    assert "disk I/O error" in answer.json()["error"]


@pytest.mark.redis
async def test_junk_in_redis_is_skipped_on_the_stats_pages(
    make_app: Callable[[ServiceConfig], PypinsApp],
    config: ServiceConfig,
    redis_server: RedisServer,
) -> None:
    """``/stats`` and ``/stats.json`` over usage keys full of junk: 200, the real counts,
    and how many entries were skipped."""
    app = make_app(config.replace(redis_url=redis_server.url, redis_timeout=PATIENT_TIMEOUT))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await known_traffic(client)
        await app.service.tick(5)
        today = utc_day(app.service.usage.clock())
        usage, totals = f"pypins:v1:usage:{today}", f"pypins:v1:usage-totals:{today}"
        for junk in [
            ("ZADD", usage, "inf", "junk\tv"),
            ("ZADD", usage, "-inf", "junk\tl"),
            ("ZADD", usage, "-7", b"\xff\tv"),
            ("HSET", totals, "requests2", "nan"),
            ("HSET", totals, "hit2", "not a number"),
            ("SET", f"pypins:v1:usage:{today - timedelta(days=1)}", "not a sorted set"),
        ]:
            redis_server.execute(*junk)
        data = (await client.get("/stats.json?days=7")).json()
        page = await client.get("/stats?days=7")
    assert data["skipped"] == 6
    assert data["total"] == 5
    assert [row["package"] for row in data["top"]] == ["requests", "requests", "six"]
    assert page.status_code == 200
    assert "6 unreadable entries" in page.text
