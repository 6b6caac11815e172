"""The service's way out: connection pools, clients, a guard per upstream, the cap on
requests in flight, and pypistats' queue.

Everything that sends a request upstream gets its client and its guard here, so that
the pools, the breakers and the limits are one per process, whoever asks.
"""

from __future__ import annotations

import logging

import aiohttp

from pypins.cache.ratelimit import Limit, LocalRateLimiter, RateLimiter, RedisRateLimiter
from pypins.cache.redis_store import RedisStore
from pypins.client import (
    MAX_REDIRECTS,
    AsyncPyPIClient,
    RegistryGuard,
    RegistryPolicy,
    URLCheck,
    client_session,
    guarded_session,
)
from pypins.config import ServiceConfig
from pypins.errors import UpstreamBusyError
from pypins.metrics import Metrics
from pypins.settings import user_agent
from pypins.stats import UsageRecorder
from pypins.upstream import CircuitBreaker, RetryPolicy, Slots, UpstreamGuard

__all__ = ["Upstreams"]

log = logging.getLogger(__name__)


class Upstreams:
    """The pools, clients, guards and limits of one process."""

    def __init__(
        self,
        config: ServiceConfig,
        metrics: Metrics,
        usage: UsageRecorder,
        shared: RedisStore | None,
        *,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.shared = shared
        self._observer = _Observer(metrics, usage)
        #: The base URLs allowed as ``pypiBaseUrl``.
        self.registries = RegistryPolicy.from_urls(config.allowed_registries)
        self._session = session
        #: The pool of custom registries: addresses checked, DNS-pinned (made on first use).
        self._registry_session: aiohttp.ClientSession | None = None
        self._registry_guard = RegistryGuard(self.registries, config.allow_private_registries)
        self._default_client: AsyncPyPIClient | None = None
        # One cap on upstream requests for the whole process, one guard per upstream.
        self.slots = Slots(config.max_upstream_concurrency, config.max_queued, config.timeout)
        self.guards: dict[str, UpstreamGuard] = {}
        self.stats_limiter = _stats_limiter(config, shared)

    def pool(self) -> aiohttp.ClientSession:
        """The pool of PyPI's and pypistats' requests (made on first use)."""
        if self._session is None:
            self._session = client_session(timeout=self.config.timeout)
        return self._session

    def registry_pool(self) -> aiohttp.ClientSession:
        """The guarded pool of custom registries' requests (made on first use)."""
        if self._registry_session is None:
            self._registry_session = guarded_session(
                allow_private=self.config.allow_private_registries,
                timeout=self.config.timeout,
            )
        return self._registry_session

    def client(self, registry: str | None = None) -> AsyncPyPIClient:
        """The upstream client for ``registry`` (default: the configured PyPI).

        A custom registry, checked by ``common_params``, is reached only through the
        guarded pool. Its clients are made afresh, not remembered: any path under an
        allowed base is a registry of its own, and a client is only settings over the
        shared pool.
        """
        if registry is not None:
            return self._new_client(registry, self.registry_pool(), self._registry_guard)
        if self._default_client is None:
            self._default_client = self._new_client(self.config.pypi_url, self.pool())
        return self._default_client

    def _new_client(
        self, base: str, pool: aiohttp.ClientSession, check_url: URLCheck | None = None
    ) -> AsyncPyPIClient:
        config = self.config
        # A custom registry's Simple and Integrity APIs are next to its JSON API.
        default = check_url is None
        return AsyncPyPIClient(
            base,
            simple_url=config.simple_url if default else None,
            integrity_url=config.integrity_url if default else None,
            stats_url=config.stats_url,
            timeout=config.timeout,
            max_response_bytes=config.max_response_bytes,
            latest_updates_url=config.updates_url,
            user_agent=user_agent(config.contact_url),
            session=pool,
            check_url=check_url,
            # A registry's name is resolved and checked here, never by a proxy.
            trust_env=default,
            max_redirects=MAX_REDIRECTS,
        )

    def guard(self, upstream: str) -> UpstreamGuard:
        """The guard of ``upstream`` (``pypi``, ``simple``, ``integrity``, ``pypistats``,
        ``rss``, ``registry:<base>``)."""
        guard = self.guards.get(upstream)
        if guard is None:
            config = self.config
            guard = UpstreamGuard(
                upstream,
                breaker=CircuitBreaker(
                    threshold=config.breaker_threshold, cooldown=config.breaker_cooldown
                ),
                # Each request to pypistats spends a place in its rate limit: a retry
                # would be one more request outside the queue. The record is fetched
                # again later instead (failure back-off).
                retry=RetryPolicy(
                    retries=0 if upstream == "pypistats" else config.retries,
                    budget=config.timeout,
                ),
                slots=self.slots,
                observer=self._observer,
                shared=self.shared,
            )
            self.guards[upstream] = guard
        return guard

    def guard_of(self, api: str, registry: str | None) -> UpstreamGuard:
        """The guard of one of PyPI's APIs (``pypi``, ``simple``, ``integrity``), or of
        the allowed base a custom registry lies under (its paths are countless)."""
        if registry is None:
            return self.guard(api)
        return self.guard(f"registry:{self.registries.base(registry)}")

    def admit(self, upstream: str) -> None:
        """Refuse a fetch at once when the upstream queue is full (counted as busy)."""
        try:
            self.slots.admit()
        except UpstreamBusyError:
            self.metrics.upstream_finished(upstream, "busy", 0.0)
            raise

    async def aclose(self) -> None:
        """Close the pools (a session given at construction included)."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._registry_session is not None:
            await self._registry_session.close()
            self._registry_session = None
        self._default_client = None


def _stats_limiter(config: ServiceConfig, shared: RedisStore | None) -> RateLimiter:
    """pypistats' queue: one for the deployment when workers share a Redis."""
    # pypistats.org allows 5 requests a second and 30 a minute per client.
    limits = (
        Limit(config.stats_rate_per_second, 1.0),
        Limit(config.stats_rate_per_minute, 60.0),
    )
    # Without Redis (or while it is down) each worker keeps its own queue: each gets
    # its share of the allowance (at least one request per window).
    local = LocalRateLimiter(
        tuple(Limit(max(1, limit.count // config.workers), limit.window) for limit in limits)
    )
    if shared is None and config.workers > min(limit.count for limit in limits):
        log.warning(
            "%d workers without Redis may ask pypistats.org more often than it allows "
            "(each needs at least one request a second); set PYPINS_REDIS_URL",
            config.workers,
        )
    if shared is None:
        return local
    return RedisRateLimiter(shared, "pypistats", limits, fallback=local)


class _Observer:
    """What the upstream guards report, to the metrics and to the request counts."""

    def __init__(self, metrics: Metrics, usage: UsageRecorder) -> None:
        self.metrics = metrics
        self.usage = usage

    def upstream_started(self, upstream: str) -> None:
        self.metrics.upstream_started(upstream)
        self.usage.count_upstream(upstream)

    def upstream_finished(self, upstream: str, outcome: str, seconds: float) -> None:
        self.metrics.upstream_finished(upstream, outcome, seconds)

    def upstream_retried(self, upstream: str) -> None:
        self.metrics.upstream_retried(upstream)

    def breaker_changed(self, upstream: str, *, is_open: bool) -> None:
        self.metrics.breaker_changed(upstream, is_open=is_open)
