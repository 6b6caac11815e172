"""A worker process killed under load: the other one answers, uvicorn starts a new one.

``pypins serve --workers 2``: while eight connections ask for badges, one worker gets
SIGKILL. Connections that were on it may fail at that moment (counted and reported);
every other request is answered with a well-formed badge, the worker is replaced without
a restart of the service, and ``pypins_worker_starts_total`` counts the new start.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from tests.faults.conftest import (
    CONNECTIONS,
    RECOVERY_LIMIT,
    Figures,
    drive,
    new_package,
    package_of,
    scrape,
    service_env,
    upstream_args,
    version_badge,
    wait_until,
    warm,
)
from tests.support.service import Service, worker_pids
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow

WORKERS = 2
LOAD_SECONDS = 4.0


async def test_a_worker_killed_under_load(upstream: Upstream, figures: Figures) -> None:
    """Requests keep being answered while a killed worker is replaced."""
    args = (*upstream_args(upstream), "--workers", str(WORKERS))
    env = service_env(PYPINS_CACHE_TTL="60")
    with Service(*args, env=env, start_timeout=30) as service:
        assert service.pid is not None
        pid = service.pid

        async def workers_running() -> bool:
            return len(worker_pids(pid)) == WORKERS

        assert await wait_until(workers_running, timeout=RECOVERY_LIMIT) is not None
        workers = worker_pids(pid)
        last_good = await warm(service.url, [new_package() for _ in range(3)])
        cached = list(last_good)

        async def both_started() -> bool:
            return (await scrape(service.url)).value("pypins_worker_starts_total") >= WORKERS

        assert await wait_until(both_started, timeout=RECOVERY_LIMIT) is not None
        before = await scrape(service.url)
        upstream_before = upstream.total()

        def target(i: int) -> str:
            if i % 2:
                return version_badge(new_package())
            return version_badge(cached[i // 2 % len(cached)], f"r={i}")

        load = asyncio.create_task(drive(service.url, target, seconds=LOAD_SECONDS))
        await asyncio.sleep(1.0)
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)  # a worker of the service started above
        killed = time.monotonic()

        async def replaced() -> bool:
            now = worker_pids(pid)
            return len(now) == WORKERS and victim not in now

        respawn = await wait_until(replaced, timeout=RECOVERY_LIMIT, interval=0.05)
        answers = await load
        during = upstream.total() - upstream_before

        async def counted() -> bool:
            starts = (await scrape(service.url)).value("pypins_worker_starts_total")
            return starts > before.value("pypins_worker_starts_total")

        starts_counted = await wait_until(counted, timeout=RECOVERY_LIMIT)
        after = await scrape(service.url)

    dropped = [a for a in answers if a.status is None]
    answered = [a for a in answers if a.status is not None]
    cached_answers = [a for a in answered if "?r=" in a.target]
    figures.count(answered)
    figures.errors = len(dropped)
    figures.stale_served = sum(a.message == last_good[package_of(a.target)] for a in cached_answers)
    figures.upstream_requests = during
    figures.recovery_seconds = None if respawn is None else round(respawn, 2)
    figures.metrics = {
        "worker_starts": after.value("pypins_worker_starts_total")
        - before.value("pypins_worker_starts_total")
    }
    figures.notes.append(
        f"errors: connections dropped by the killed worker at the kill ({len(dropped)} of "
        f"{CONNECTIONS} connections); recovery: until uvicorn had started a new worker"
    )

    assert all(a.well_formed for a in answered), [a for a in answered if not a.well_formed]
    assert all(str(a.message).startswith("v") for a in answered)
    assert figures.stale_served == len(cached_answers) > 0
    assert len(dropped) <= CONNECTIONS
    assert all(killed <= a.at for a in dropped), dropped  # only the kill drops any
    assert respawn is not None
    assert starts_counted is not None
