"""The service's configuration: one typed, validated object built at start-up.

Every setting has a command-line flag (``pypins serve --cache-ttl 600``) and an
environment variable with the ``PYPINS_`` prefix (``PYPINS_CACHE_TTL=600``); flags win.
Defaults come from :mod:`pypins.settings`. A bad value is a :class:`ConfigError` naming
the setting, raised before the server starts.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urlsplit

from pypins import settings
from pypins.client._guard import parse_registry_url

ENV_PREFIX = "PYPINS_"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


class ConfigError(ValueError):
    """A configuration value is missing or invalid."""


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Everything ``pypins serve`` needs to know, validated."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    pypi_url: str = settings.DEFAULT_PYPI_URL
    #: The Simple and Integrity APIs; None: next to ``pypi_url`` (``<root>/simple`` for
    #: ``<root>/pypi``), which is PyPI's layout.
    simple_url: str | None = None
    integrity_url: str | None = None
    stats_url: str = settings.DEFAULT_STATS_URL
    updates_url: str = settings.DEFAULT_LATEST_UPDATES_URL
    redis_url: str | None = None
    #: Seconds allowed for one Redis command or connection (then: a miss).
    redis_timeout: float = settings.DEFAULT_REDIS_TIMEOUT
    cache_ttl: int = settings.DEFAULT_CACHE_TTL
    grace: int = settings.DEFAULT_GRACE
    negative_ttl: int = settings.DEFAULT_NEGATIVE_TTL
    downloads_ttl: int = settings.DEFAULT_DOWNLOADS_TTL
    poll_interval: float = settings.DEFAULT_POLL_INTERVAL
    stats_rate_per_second: int = settings.DEFAULT_STATS_RATE_PER_SECOND
    stats_rate_per_minute: int = settings.DEFAULT_STATS_RATE_PER_MINUTE
    #: Seconds a download badge without cached counts waits for its turn at pypistats.
    stats_max_wait: float = settings.DEFAULT_STATS_MAX_WAIT
    #: Most requested download badges fetched at start-up when not cached (0: off).
    warm_downloads: int = settings.DEFAULT_WARM_DOWNLOADS
    timeout: float = settings.DEFAULT_TIMEOUT
    max_response_bytes: int = settings.DEFAULT_MAX_RESPONSE_BYTES
    allowed_registries: tuple[str, ...] = ()
    contact_url: str = settings.DEFAULT_CONTACT_URL
    log_level: str = "info"
    public_url: str = ""
    #: ``host:port`` of a separate listener for ``/metrics`` ("" serves it on the main
    #: address).
    metrics_bind: str = ""
    #: Bearer token of the admin endpoints (purge, stats reset); None turns them off.
    admin_token: str | None = None
    #: File that receives one JSON line per request ("-" for standard output; None: off).
    access_log: str | None = None
    #: SQLite file of request counts when there is no Redis (None: the default place,
    #: ``settings.default_usage_db()``; "off" keeps no counts).
    usage_db: str | None = None
    #: Custom registries whose host names resolve to private, loopback or link-local
    #: addresses are refused unless this is set.
    allow_private_registries: bool = False
    max_upstream_concurrency: int = settings.DEFAULT_MAX_UPSTREAM_CONCURRENCY
    max_queued: int = settings.DEFAULT_MAX_QUEUED
    retries: int = settings.DEFAULT_RETRIES
    breaker_threshold: int = settings.DEFAULT_BREAKER_THRESHOLD
    breaker_cooldown: float = settings.DEFAULT_BREAKER_COOLDOWN
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("pypi_url", "stats_url", "updates_url", "contact_url"):
            _check_http_url(name, getattr(self, name))
        for name in ("simple_url", "integrity_url"):
            if getattr(self, name) is not None:
                _check_http_url(name, getattr(self, name))
        for registry in self.allowed_registries:
            _check_http_url("allowed_registries", registry)
            try:
                parse_registry_url(registry)
            except ValueError as error:
                raise ConfigError(f"allowed_registries: {registry!r} {error}") from None
        if self.redis_url is not None:
            scheme = _split("redis_url", self.redis_url).scheme
            if scheme not in {"redis", "rediss", "unix"}:
                raise ConfigError(
                    f"redis_url: expected redis://, rediss:// or unix://, got {scheme!r}"
                )
        if not 0 < self.port < 65536:
            raise ConfigError(f"port: {self.port} is not a TCP port")
        if self.workers < 1:
            raise ConfigError("workers: must be at least 1")
        for name in ("cache_ttl", "negative_ttl", "downloads_ttl"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}: must be at least 1 second")
        if self.grace < 0:
            raise ConfigError("grace: must not be negative")
        for name in ("timeout", "redis_timeout"):
            if not getattr(self, name) > 0:  # also refuses NaN
                raise ConfigError(f"{name}: must be positive")
        if not self.poll_interval >= 0:
            raise ConfigError("poll_interval: must not be negative (0 turns polling off)")
        if self.stats_rate_per_second < 1 or self.stats_rate_per_minute < 1:
            raise ConfigError("stats_rate: rates must be at least 1 request")
        if not 0 <= self.stats_max_wait <= settings.DEFAULT_STATS_BACKLOG:
            raise ConfigError(
                f"stats_max_wait: must be between 0 and {settings.DEFAULT_STATS_BACKLOG:g} seconds"
            )
        if self.warm_downloads < 0:
            raise ConfigError("warm_downloads: must not be negative (0 turns warming off)")
        if self.max_response_bytes < 1024:
            raise ConfigError("max_response_bytes: must be at least 1024")
        if self.metrics_bind:
            host, _, port = self.metrics_bind.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ConfigError(f"metrics_bind: expected host:port, got {self.metrics_bind!r}")
        if self.admin_token is not None and len(self.admin_token) < 16:
            raise ConfigError("admin_token: must be at least 16 characters")
        if self.max_upstream_concurrency < 1 or self.max_queued < 0:
            raise ConfigError(
                "max_upstream_concurrency: must be at least 1 (max_queued at least 0)"
            )
        if self.retries < 0 or self.breaker_threshold < 1:
            raise ConfigError("retries: must not be negative (breaker_threshold at least 1)")
        if not self.breaker_cooldown > 0:
            raise ConfigError("breaker_cooldown: must be positive")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"log_level: expected one of {', '.join(LOG_LEVELS)}")

    def replace(self, **changes: Any) -> ServiceConfig:
        """A copy with ``changes`` applied and validated."""
        return dataclasses.replace(self, **changes)

    def to_env(self) -> dict[str, str]:
        """The environment variables that rebuild this configuration in a worker."""
        env: dict[str, str] = {}
        for item in dataclasses.fields(self):
            if item.name == "extra":
                continue
            value = getattr(self, item.name)
            if value is None:
                continue
            if isinstance(value, tuple):
                value = ",".join(value)
            env[ENV_PREFIX + item.name.upper()] = str(value)
        return env

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServiceConfig:
        """Build the configuration from ``PYPINS_*`` variables over the defaults."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + item.name.upper())
            if raw is None or item.name == "extra":
                continue
            values[item.name] = _convert(item.name, item.type, raw)
        return cls(**values)


def _convert(name: str, kind: Any, raw: str) -> Any:
    """Turn the text of an environment variable into the field's type."""
    kind = str(kind)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return _boolean(name, raw)
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not a number") from None
    if kind.startswith("tuple"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if kind == "str | None":
        return raw or None
    return raw


def _boolean(name: str, raw: str) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case)."""
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name}: {raw!r} is not a boolean (true/false)")


def _check_http_url(name: str, value: str) -> None:
    """Refuse anything but an absolute http(s) URL with a host."""
    parts = _split(name, value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{name}: {value!r} is not an http(s) URL")


def _split(name: str, value: str) -> SplitResult:
    """``urlsplit``, with its ValueError (e.g. a broken IPv6 host) as a ConfigError."""
    try:
        return urlsplit(value)
    except ValueError as error:
        raise ConfigError(f"{name}: {value!r} is not a URL ({error})") from None
