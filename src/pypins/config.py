"""The service's configuration: one typed, validated object built at start-up.

Each setting is declared once, as a field of :class:`ServiceConfig`: its name, type and
default (from :mod:`pypins.settings`), and in the field's metadata its help, its
command-line flag if it has one and whether it is secret. The declaration gives the
setting's environment variable (``PYPINS_`` and the name in capitals:
``PYPINS_CACHE_TTL``), ``pypins serve``'s flags (``--cache-ttl``; flags win), the
settings table of docs/operations.md (checked by tests/test_config.py) and the error a
bad value raises: a :class:`ConfigError` naming the variable and the flag
(``PYPINS_CACHE_TTL (--cache-ttl): must be at least 1 second``), before the server
starts. Secrets are hidden from ``repr`` (and so from logs), never from :meth:`to_env`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import SplitResult, urlsplit

from pypins import settings
from pypins.client import parse_registry_url

ENV_PREFIX = "PYPINS_"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")

#: What a secret is shown as.
HIDDEN = "***"

#: The smallest request-head bound: a URL of ``pypins.routes.MAX_PATH_LENGTH`` and the
#: headers a browser sends still fit.
MIN_HEAD_BYTES = 4096

#: The smallest memory budget, in megabytes (a few hundred badges).
MIN_MEMORY_BUDGET = 1

_T = TypeVar("_T")
#: The key of a field's declaration in its metadata.
_DECLARATION = "pypins.setting"


class ConfigError(ValueError):
    """A configuration value is missing or invalid; the message names its variable."""

    def __init__(self, message: str, setting: Setting | None = None) -> None:
        super().__init__(message)
        #: The setting at fault.
        self.setting = setting


@dataclass(frozen=True, slots=True)
class _Declaration:
    """What a field's metadata adds to its name, type and default."""

    help: str
    flag: str | None
    mask: Callable[[str], str] | None
    url: bool
    default_help: str | None
    metavar: str | None


def _setting(
    default: _T,
    help: str,
    *,
    flag: str | None = None,
    mask: Callable[[str], str] | None = None,
    url: bool = False,
    default_help: str | None = None,
    metavar: str | None = None,
) -> _T:
    """A field of :class:`ServiceConfig` declaring a setting.

    ``help`` is one line (Markdown backticks allowed); ``flag`` is ``pypins serve``'s
    option, if any; ``mask`` hides a secret in ``repr``; ``url`` asks for an absolute
    http(s) URL; ``default_help`` describes a default that is no value (None, "", ()).
    """
    declaration = _Declaration(help, flag, mask, url, default_help, metavar)
    return field(default=default, metadata={_DECLARATION: declaration})


def hide(value: str) -> str:
    """A secret shown as nothing but :data:`HIDDEN`."""
    return HIDDEN


_USERINFO_PASSWORD = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/?#@:]*:)[^/?#]*@")
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)[^&#]*", re.IGNORECASE)


def hide_password(url: str) -> str:
    """``url`` with the password of its user info (``redis://user:***@host``) and of a
    ``password=`` query parameter (``unix:///run/redis.sock?password=***``) hidden."""
    url = _USERINFO_PASSWORD.sub(rf"\g<head>{HIDDEN}@", url, count=1)
    return _QUERY_PASSWORD.sub(rf"\g<head>{HIDDEN}", url)


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting as declared on :class:`ServiceConfig`, with what derives from it."""

    #: The field's name.
    name: str
    #: The value's type: int, float, bool, str or tuple (of str).
    kind: type
    #: Whether None is a value (unset).
    optional: bool
    default: object
    #: One line, Markdown backticks allowed: the docs' "meaning" and the flag's help.
    help: str
    #: ``pypins serve``'s option, if any.
    flag: str | None = None
    #: Hides a secret's text in ``repr`` (None: not secret).
    mask: Callable[[str], str] | None = None
    #: Must be an absolute http(s) URL (each of a tuple; None or an empty default: unset).
    url: bool = False
    #: What the default means when it is no value (None, "" or ()).
    default_help: str | None = None
    metavar: str | None = None

    @property
    def env(self) -> str:
        """The environment variable: ``PYPINS_CACHE_TTL``."""
        return ENV_PREFIX + self.name.upper()

    @property
    def label(self) -> str:
        """What the user set, as errors name it: ``PYPINS_CACHE_TTL (--cache-ttl)``."""
        return f"{self.env} ({self.flag})" if self.flag else self.env

    @property
    def secret(self) -> bool:
        """Whether ``repr`` hides (part of) the value."""
        return self.mask is not None

    @property
    def multiple(self) -> bool:
        """Whether the value is a list (comma-separated; a repeatable flag)."""
        return self.kind is tuple

    @property
    def shown_default(self) -> str:
        """The default as the docs and ``--help`` show it (Markdown backticks)."""
        if self.default_help is not None:
            return self.default_help
        return f"`{self.text(self.default)}`"

    def error(self, message: str) -> ConfigError:
        """A ConfigError about this setting: ``PYPINS_X (--x): message``."""
        return ConfigError(f"{self.label}: {message}", self)

    def parse(self, raw: str) -> object:
        """The value of the variable's (or flag's) text ``raw``."""
        if self.kind is int or self.kind is float:
            try:
                return self.kind(raw)
            except ValueError:
                number = "a whole number" if self.kind is int else "a number"
                raise self.error(f"{raw!r} is not {number}") from None
        if self.kind is bool:
            return self._boolean(raw)
        if self.kind is tuple:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if self.optional:
            return raw or None
        return raw

    def _boolean(self, raw: str) -> bool:
        """``1/true/yes/on`` or ``0/false/no/off`` (any case)."""
        value = raw.strip().lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off", ""}:
            return False
        raise self.error(f"{raw!r} is not a boolean (true/false)")

    def text(self, value: object) -> str:
        """``value`` as the variable's text, which :meth:`parse` reads back."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value)
        if isinstance(value, tuple):
            return ",".join(str(item) for item in value)
        return str(value)

    def shown(self, value: object) -> str:
        """``repr(value)``, a secret hidden."""
        if self.mask is not None and isinstance(value, str):
            return repr(self.mask(value))
        return repr(value)


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Everything ``pypins serve`` needs to know, validated."""

    host: str = _setting("127.0.0.1", "Address to listen on", flag="--host")
    port: int = _setting(8000, "Port to listen on", flag="--port")
    workers: int = _setting(
        1, "Worker processes sharing the port (a dead worker is respawned)", flag="--workers"
    )
    max_head_bytes: int = _setting(
        settings.DEFAULT_MAX_HEAD_BYTES,
        "Largest request head (request line and headers) in bytes; past it 431 (414 for"
        " the URL) and the connection closed",
    )
    head_timeout: float = _setting(
        settings.DEFAULT_HEAD_TIMEOUT,
        "Seconds a request head may take from its first byte; past it 408 and the connection"
        " closed (an idle keep-alive connection is closed after 75 s)",
    )
    max_connections: int = _setting(
        0,  # derived from the open-files limit (pypins.web.protocol.connection_cap)
        "Open connections per worker; past it the oldest idle one is closed, else the oldest"
        " still sending its head, else the new one",
        default_help=(
            f"from the open-files limit (raised to its hard limit at start):"
            f" {settings.RESERVED_DESCRIPTORS} below it, at most"
            f" `{settings.CONNECTIONS_CEILING}`"
        ),
    )
    pypi_url: str = _setting(
        settings.DEFAULT_PYPI_URL,
        "Base of the PyPI JSON API (`<base>/<name>/json`)",
        flag="--pypi-url",
        url=True,
    )
    simple_url: str | None = _setting(
        None,
        "Base of PyPI's Simple API, read as JSON: the project-status badge, and the release"
        " list when the JSON API leaves it out",
        url=True,
        default_help=f"next to the JSON API: `{settings.DEFAULT_SIMPLE_URL}`",
    )
    integrity_url: str | None = _setting(
        None,
        "Base of PyPI's Integrity API (PEP 740 provenance): the attestations badge",
        url=True,
        default_help=f"next to the JSON API: `{settings.DEFAULT_INTEGRITY_URL}`",
    )
    stats_url: str = _setting(
        settings.DEFAULT_STATS_URL,
        "Base of the download-stats API (`<base>/api/packages/<name>/recent`)",
        flag="--stats-url",
        url=True,
    )
    updates_url: str = _setting(
        settings.DEFAULT_LATEST_UPDATES_URL,
        "PyPI's RSS feed of new releases, read every `PYPINS_POLL_INTERVAL` seconds",
        flag="--updates-url",
        url=True,
    )
    redis_url: str | None = _setting(
        None,
        "Shared Redis cache of all workers and hosts (`redis://`, `rediss://`, `unix://`),"
        " its password hidden in logs; unset: each worker caches alone",
        flag="--redis-url",
        mask=hide_password,
        default_help="none",
        metavar="URL",
    )
    redis_timeout: float = _setting(
        settings.DEFAULT_REDIS_TIMEOUT,
        "Seconds allowed for one Redis command or connection; past it, a miss served from"
        ' memory, and Redis is skipped for 5 seconds (docs/operations.md, "Redis failures")',
    )
    cache_ttl: int = _setting(
        settings.DEFAULT_CACHE_TTL,
        "Seconds a package record is fresh (pypip.in kept PyPI answers 10 minutes)",
        flag="--cache-ttl",
    )
    grace: int = _setting(
        settings.DEFAULT_GRACE,
        "Seconds a stale record may still be served while refreshing or while the upstream"
        " fails (pypip.in's Varnish grace: 6 hours)",
        flag="--grace",
    )
    negative_ttl: int = _setting(
        settings.DEFAULT_NEGATIVE_TTL, 'Seconds a "not found" answer is kept'
    )
    downloads_ttl: int = _setting(
        settings.DEFAULT_DOWNLOADS_TTL,
        "Seconds download counts are fresh (pypistats updates daily)",
    )
    timeout: float = _setting(settings.DEFAULT_TIMEOUT, "Seconds allowed for one upstream exchange")
    max_response_bytes: int = _setting(
        settings.DEFAULT_MAX_RESPONSE_BYTES, "Largest upstream body read, in bytes"
    )
    poll_interval: float = _setting(
        settings.DEFAULT_POLL_INTERVAL,
        "Seconds between reads of PyPI's updates feed, which mark released packages stale (0: off)",
    )
    stats_rate_per_second: int = _setting(
        settings.DEFAULT_STATS_RATE_PER_SECOND,
        "Requests to pypistats.org in any second: pypins' own limit, shared through Redis",
    )
    stats_rate_per_minute: int = _setting(
        settings.DEFAULT_STATS_RATE_PER_MINUTE,
        "Requests to pypistats.org in any minute: pypins' own limit, shared through Redis",
    )
    stats_max_wait: float = _setting(
        settings.DEFAULT_STATS_MAX_WAIT,
        "Seconds a download badge without cached counts waits for its turn at pypistats.org"
        ' (then for the answer); past it "queued" (kept 10 s), its request kept in the queue',
    )
    warm_downloads: int = _setting(
        settings.DEFAULT_WARM_DOWNLOADS,
        "The most requested download badges (last 7 days) whose counts are fetched at"
        " start-up when no tier holds them, at a quarter of pypistats' allowance (0: off)",
    )
    allowed_registries: tuple[str, ...] = _setting(
        (),
        "Base URLs allowed as `?pypiBaseUrl=` (repeat the flag, or comma-separate)",
        flag="--allowed-registry",
        url=True,
        default_help="none",
    )
    allow_private_registries: bool = _setting(
        False,
        "Let allowed registries resolve to private, loopback or link-local addresses",
    )
    contact_url: str = _setting(
        settings.DEFAULT_CONTACT_URL,
        "Sent in the User-Agent PyPI asks for: a page where PyPI's operators can reach you",
        url=True,
    )
    public_url: str = _setting(
        "",
        "The address readers reach the service at (used in the builder's snippets); unset:"
        " as each request was addressed",
        url=True,
        default_help="none",
    )
    retries: int = _setting(
        settings.DEFAULT_RETRIES,
        "Extra attempts for a transient upstream failure (5xx, 429, reset, timeout), with"
        " full-jitter backoff, all within `PYPINS_TIMEOUT`",
    )
    breaker_threshold: int = _setting(
        settings.DEFAULT_BREAKER_THRESHOLD,
        "Consecutive failures that open an upstream's circuit breaker",
    )
    breaker_cooldown: float = _setting(
        settings.DEFAULT_BREAKER_COOLDOWN,
        "Seconds an open circuit breaker waits before one trial request (doubling up to 8 times)",
    )
    max_upstream_concurrency: int = _setting(
        settings.DEFAULT_MAX_UPSTREAM_CONCURRENCY,
        "Upstream requests in flight per worker; more wait (up to `PYPINS_MAX_QUEUED`)",
    )
    max_queued: int = _setting(
        settings.DEFAULT_MAX_QUEUED,
        "Requests allowed to wait for an upstream slot per worker (each at most"
        ' `PYPINS_TIMEOUT`); beyond: a "busy" badge at once',
    )
    memory_budget: int = _setting(
        settings.DEFAULT_MEMORY_BUDGET,
        "Megabytes a worker's in-process caches hold in all (hot index, rendered badges,"
        " records, builder pages), split in fixed shares; a cache full of keys asked for"
        " once admits a new one only if it was asked for more often than what it evicts",
        flag="--memory-budget",
        metavar="MB",
    )
    metrics_bind: str = _setting(
        "",
        "`host:port` of a separate `/metrics` listener; unset: `/metrics` on the main port",
        flag="--metrics-bind",
        default_help="none",
        metavar="HOST:PORT",
    )
    access_log: str | None = _setting(
        None,
        'File for one JSON line per request ("-" for standard output)',
        flag="--access-log",
        default_help="off",
        metavar="FILE",
    )
    usage_db: str | None = _setting(
        None,
        "SQLite file of request counts without Redis (`off`: keep none)",
        default_help="`$XDG_STATE_HOME/pypins/usage.sqlite3`",
        metavar="PATH",
    )
    admin_token: str | None = _setting(
        None,
        "Bearer token of the admin endpoints (purge, stats reset), at least 16 characters,"
        " hidden in logs; unset: no admin endpoints",
        mask=hide,
        default_help="none",
    )
    log_level: str = _setting(
        "info",
        "Log level: " + ", ".join(f"`{level}`" for level in LOG_LEVELS),
        flag="--log-level",
        metavar="[" + "|".join(LOG_LEVELS) + "]",
    )
    #: Not a setting: for callers' own use, never read from the environment.
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for item in SETTINGS.values():
            if item.url:
                for value in _values(item, getattr(self, item.name)):
                    _check_http_url(item, value)
        for registry in self.allowed_registries:
            try:
                parse_registry_url(registry)
            except ValueError as error:
                raise _error("allowed_registries", f"{registry!r} {error}") from None
        if self.redis_url is not None:
            scheme = _split(SETTINGS["redis_url"], self.redis_url).scheme
            if scheme not in {"redis", "rediss", "unix"}:
                raise _error(
                    "redis_url", f"expected redis://, rediss:// or unix://, got {scheme!r}"
                )
        if not 0 < self.port < 65536:
            raise _error("port", f"{self.port} is not a TCP port")
        for name in ("workers", "stats_rate_per_second", "stats_rate_per_minute"):
            if getattr(self, name) < 1:
                raise _error(name, "must be at least 1")
        for name in ("cache_ttl", "negative_ttl", "downloads_ttl"):
            if getattr(self, name) < 1:
                raise _error(name, "must be at least 1 second")
        for name in ("grace", "max_queued", "retries"):
            if getattr(self, name) < 0:
                raise _error(name, "must not be negative")
        for name in ("timeout", "redis_timeout", "breaker_cooldown"):
            if not getattr(self, name) > 0:  # also refuses NaN
                raise _error(name, "must be positive")
        if not self.poll_interval >= 0:
            raise _error("poll_interval", "must not be negative (0 turns polling off)")
        if not 0 <= self.stats_max_wait <= settings.DEFAULT_STATS_BACKLOG:
            raise _error(
                "stats_max_wait",
                f"must be between 0 and {settings.DEFAULT_STATS_BACKLOG:g} seconds",
            )
        if self.warm_downloads < 0:
            raise _error("warm_downloads", "must not be negative (0 turns warming off)")
        if self.max_response_bytes < 1024:
            raise _error("max_response_bytes", "must be at least 1024")
        if self.memory_budget < MIN_MEMORY_BUDGET:
            raise _error("memory_budget", f"must be at least {MIN_MEMORY_BUDGET} MB")
        if self.max_head_bytes < MIN_HEAD_BYTES:
            raise _error("max_head_bytes", f"must be at least {MIN_HEAD_BYTES}")
        if not self.head_timeout > 0:  # also refuses NaN
            raise _error("head_timeout", "must be positive")
        if self.max_connections < 0:
            raise _error("max_connections", "must not be negative (0: from the open-files limit)")
        if self.metrics_bind:
            host, _, port = self.metrics_bind.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise _error("metrics_bind", f"expected host:port, got {self.metrics_bind!r}")
        if self.admin_token is not None and len(self.admin_token) < 16:
            raise _error("admin_token", "must be at least 16 characters")
        for name in ("max_upstream_concurrency", "breaker_threshold"):
            if getattr(self, name) < 1:
                raise _error(name, "must be at least 1")
        if self.log_level not in LOG_LEVELS:
            raise _error(
                "log_level", f"expected one of {', '.join(LOG_LEVELS)}, got {self.log_level!r}"
            )

    def __repr__(self) -> str:
        """Every setting, secrets hidden (``admin_token='***'``)."""
        shown = [
            f"{item.name}={item.shown(getattr(self, item.name))}" for item in SETTINGS.values()
        ]
        return f"ServiceConfig({', '.join([*shown, f'extra={self.extra!r}'])})"

    def replace(self, **changes: Any) -> ServiceConfig:
        """A copy with ``changes`` applied and validated."""
        return dataclasses.replace(self, **changes)

    def to_env(self) -> dict[str, str]:
        """The environment variables that rebuild this configuration in a worker (the
        real values, secrets included)."""
        return {
            item.env: item.text(getattr(self, item.name))
            for item in SETTINGS.values()
            if getattr(self, item.name) is not None
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServiceConfig:
        """Build the configuration from ``PYPINS_*`` variables over the defaults."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in SETTINGS.values():
            raw = environ.get(item.env)
            if raw is not None:
                values[item.name] = item.parse(raw)
        return cls(**values)


def _declared(config: type[ServiceConfig]) -> Mapping[str, Setting]:
    """The settings declared by ``config``'s fields, by name, in the fields' order."""
    hints = typing.get_type_hints(config)
    found: dict[str, Setting] = {}
    for item in dataclasses.fields(config):
        declaration = item.metadata.get(_DECLARATION)
        if declaration is None:
            continue
        kind, optional = _kind(hints[item.name])
        found[item.name] = Setting(
            name=item.name,
            kind=kind,
            optional=optional,
            default=item.default,
            **{
                part.name: getattr(declaration, part.name)
                for part in dataclasses.fields(declaration)
            },
        )
    return types.MappingProxyType(found)


def _kind(hint: object) -> tuple[type, bool]:
    """The value's type of a field's annotation, and whether None is allowed."""
    arguments = typing.get_args(hint)
    if isinstance(hint, types.UnionType) and len(arguments) == 2 and type(None) in arguments:
        (inner,) = (argument for argument in arguments if argument is not type(None))
        return _kind(inner)[0], True
    if typing.get_origin(hint) is tuple:
        return tuple, False
    if hint in (int, float, bool, str):
        assert isinstance(hint, type)
        return hint, False
    raise TypeError(f"no setting can have the type {hint!r}")


#: Every setting, by field name, in declaration order.
SETTINGS: Mapping[str, Setting] = _declared(ServiceConfig)


def settings_table() -> str:
    """The Markdown table of every setting (flag, variable, default, meaning), as
    docs/operations.md shows it."""
    lines = ["| flag | variable | default | meaning |", "| --- | --- | --- | --- |"]
    for item in SETTINGS.values():
        flag = f"`{item.flag}`" if item.flag else "—"
        lines.append(f"| {flag} | `{item.env}` | {item.shown_default} | {item.help} |")
    return "\n".join(lines) + "\n"


def _error(name: str, message: str) -> ConfigError:
    """A ConfigError about setting ``name``, naming its variable and flag."""
    return SETTINGS[name].error(message)


def _values(item: Setting, value: object) -> tuple[str, ...]:
    """The text values of a setting to check, without an unset one."""
    if isinstance(value, tuple):
        return tuple(str(part) for part in value)
    if value is None or (value == "" and item.default == ""):
        return ()
    return (str(value),)


def _check_http_url(item: Setting, value: str) -> None:
    """Refuse anything but an absolute http(s) URL with a host."""
    parts = _split(item, value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise item.error(f"{item.shown(value)} is not an http(s) URL")


def _split(item: Setting, value: str) -> SplitResult:
    """``urlsplit``, with its ValueError (e.g. a broken IPv6 host) as a ConfigError."""
    try:
        return urlsplit(value)
    except ValueError as error:
        raise item.error(f"{item.shown(value)} is not a URL ({error})") from None
