"""``ServiceConfig``: defaults, validation, and the ``PYPINS_*`` environment."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pypins import settings
from pypins.config import ENV_PREFIX, LOG_LEVELS, ConfigError, ServiceConfig

CUSTOM = ServiceConfig(
    host="0.0.0.0",
    port=8080,
    workers=4,
    pypi_url="http://127.0.0.1:9000/pypi",
    stats_url="https://stats.example",
    updates_url="https://pypi.example/rss/updates.xml",
    redis_url="redis://127.0.0.1:6379/0",
    redis_timeout=1.5,
    cache_ttl=60,
    grace=0,
    negative_ttl=7,
    downloads_ttl=3600,
    timeout=2.5,
    max_response_bytes=4096,
    allowed_registries=("https://a.example/pypi", "http://b.example/simple"),
    contact_url="https://example.org/contact",
    log_level="debug",
    public_url="https://badges.example",
)


def test_defaults_are_valid() -> None:
    """The defaults make a valid configuration taken from ``pypins.settings``."""
    config = ServiceConfig()
    assert config.port == 8000
    assert config.pypi_url == settings.DEFAULT_PYPI_URL
    assert config.cache_ttl == settings.DEFAULT_CACHE_TTL
    assert config.redis_url is None
    assert config.allowed_registries == ()
    assert config.log_level in LOG_LEVELS


def test_frozen() -> None:
    """A configuration cannot be changed in place."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        ServiceConfig().port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"pypi_url": "ftp://pypi.org/pypi"}, "pypi_url"),
        ({"pypi_url": "pypi.org/pypi"}, "pypi_url"),
        ({"pypi_url": "https:///pypi"}, "pypi_url"),
        ({"pypi_url": "http://[::1/pypi"}, "pypi_url"),
        ({"stats_url": "file:///etc/passwd"}, "stats_url"),
        ({"updates_url": ""}, "updates_url"),
        ({"contact_url": "mailto:me@example.org"}, "contact_url"),
        ({"allowed_registries": ("https://ok.example", "gopher://x")}, "allowed_registries"),
        ({"redis_url": "http://127.0.0.1:6379"}, "redis_url"),
        ({"redis_url": "127.0.0.1:6379"}, "redis_url"),
        ({"redis_url": "redis://[::1"}, "redis_url"),
        ({"port": 0}, "port"),
        ({"port": -1}, "port"),
        ({"port": 65536}, "port"),
        ({"workers": 0}, "workers"),
        ({"cache_ttl": 0}, "cache_ttl"),
        ({"negative_ttl": 0}, "negative_ttl"),
        ({"downloads_ttl": -5}, "downloads_ttl"),
        ({"grace": -1}, "grace"),
        ({"timeout": 0.0}, "timeout"),
        ({"timeout": -1.0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"redis_timeout": 0.0}, "redis_timeout"),
        ({"redis_timeout": float("nan")}, "redis_timeout"),
        ({"max_response_bytes": 1023}, "max_response_bytes"),
        ({"log_level": "verbose"}, "log_level"),
        ({"log_level": "INFO"}, "log_level"),
        ({"metrics_bind": "9100"}, "metrics_bind"),
        ({"metrics_bind": "127.0.0.1:"}, "metrics_bind"),
        ({"metrics_bind": "127.0.0.1:70000"}, "metrics_bind"),
        ({"admin_token": "short"}, "admin_token"),
        ({"max_upstream_concurrency": 0}, "max_upstream_concurrency"),
        ({"max_queued": -1}, "max_upstream_concurrency"),
        ({"retries": -1}, "retries"),
        ({"breaker_threshold": 0}, "retries"),
        ({"breaker_cooldown": 0.0}, "breaker_cooldown"),
    ],
)
def test_invalid_values(changes: dict[str, Any], setting: str) -> None:
    """Every invalid value is a ConfigError that starts with the setting's name."""
    with pytest.raises(ConfigError, match=rf"^{setting}: "):
        ServiceConfig(**changes)
    with pytest.raises(ConfigError, match=rf"^{setting}: "):
        ServiceConfig().replace(**changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"port": 1},
        {"port": 65535},
        {"grace": 0},
        {"timeout": 0.001},
        {"max_response_bytes": 1024},
        {"redis_url": "rediss://secret@cache.example:6380/1"},
        {"redis_url": "unix:///run/redis.sock"},
        {"pypi_url": "http://[::1]:8080/pypi"},
        *({"log_level": level} for level in LOG_LEVELS),
        {"metrics_bind": "[::1]:9100"},
        {"admin_token": "x" * 16},
        {"max_queued": 0, "retries": 0, "breaker_threshold": 1},
    ],
)
def test_valid_edges(changes: dict[str, Any]) -> None:
    """Values on the edge of each rule are accepted."""
    config = ServiceConfig().replace(**changes)
    for name, value in changes.items():
        assert getattr(config, name) == value


def test_config_error_is_a_value_error() -> None:
    """Callers that catch ValueError also catch ConfigError."""
    assert issubclass(ConfigError, ValueError)


def test_replace_returns_a_new_config() -> None:
    """``replace`` copies; the original stays as it was."""
    config = ServiceConfig()
    changed = config.replace(port=9000, workers=2)
    assert (changed.port, changed.workers) == (9000, 2)
    assert config.port == 8000
    assert changed.pypi_url == config.pypi_url


def test_from_env_empty_is_default() -> None:
    """No ``PYPINS_*`` variables give the defaults; others are ignored."""
    assert ServiceConfig.from_env({"PATH": "/bin", "PORT": "1"}) == ServiceConfig()


def test_from_env_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a mapping, ``from_env`` reads the process environment."""
    monkeypatch.setenv("PYPINS_WORKERS", "3")
    assert ServiceConfig.from_env().workers == 3


@pytest.mark.parametrize(
    ("variable", "raw", "setting", "value"),
    [
        ("PYPINS_PORT", "8080", "port", 8080),
        ("PYPINS_PORT", " 8081 ", "port", 8081),
        ("PYPINS_CACHE_TTL", "30", "cache_ttl", 30),
        ("PYPINS_TIMEOUT", "2.5", "timeout", 2.5),
        ("PYPINS_TIMEOUT", "3", "timeout", 3.0),
        ("PYPINS_REDIS_TIMEOUT", "1", "redis_timeout", 1.0),
        ("PYPINS_MAX_RESPONSE_BYTES", "2048", "max_response_bytes", 2048),
        (
            "PYPINS_ALLOWED_REGISTRIES",
            "https://a.example",
            "allowed_registries",
            ("https://a.example",),
        ),
        (
            "PYPINS_ALLOWED_REGISTRIES",
            " https://a.example , ,http://b.example,",
            "allowed_registries",
            ("https://a.example", "http://b.example"),
        ),
        ("PYPINS_ALLOWED_REGISTRIES", "", "allowed_registries", ()),
        ("PYPINS_REDIS_URL", "redis://127.0.0.1:6379/0", "redis_url", "redis://127.0.0.1:6379/0"),
        ("PYPINS_REDIS_URL", "", "redis_url", None),
        ("PYPINS_LOG_LEVEL", "warning", "log_level", "warning"),
        ("PYPINS_PUBLIC_URL", "", "public_url", ""),
        ("PYPINS_HOST", "::1", "host", "::1"),
    ],
)
def test_from_env_converts(variable: str, raw: str, setting: str, value: object) -> None:
    """Each variable's text becomes the field's type."""
    config = ServiceConfig.from_env({variable: raw})
    assert getattr(config, setting) == value
    assert type(getattr(config, setting)) is type(value)


def test_from_env_ignores_extra() -> None:
    """``extra`` is not read from the environment."""
    assert ServiceConfig.from_env({"PYPINS_EXTRA": "x=y"}).extra == {}


@pytest.mark.parametrize(
    ("variable", "raw", "setting"),
    [
        ("PYPINS_PORT", "eighty", "port"),
        ("PYPINS_PORT", "80.5", "port"),
        ("PYPINS_WORKERS", "", "workers"),
        ("PYPINS_TIMEOUT", "soon", "timeout"),
        ("PYPINS_GRACE", "1h", "grace"),
    ],
)
def test_from_env_reports_non_numbers(variable: str, raw: str, setting: str) -> None:
    """A variable that is not a number names its setting and its text."""
    with pytest.raises(ConfigError, match=rf"^{setting}: {raw!r} is not a number$"):
        ServiceConfig.from_env({variable: raw})


@pytest.mark.parametrize(
    ("variable", "raw", "setting"),
    [
        ("PYPINS_PORT", "0", "port"),
        ("PYPINS_PYPI_URL", "pypi.org", "pypi_url"),
        ("PYPINS_LOG_LEVEL", "loud", "log_level"),
        ("PYPINS_TIMEOUT", "nan", "timeout"),
    ],
)
def test_from_env_validates(variable: str, raw: str, setting: str) -> None:
    """Values read from the environment are validated like any other."""
    with pytest.raises(ConfigError, match=rf"^{setting}: "):
        ServiceConfig.from_env({variable: raw})


@pytest.mark.parametrize("config", [ServiceConfig(), CUSTOM], ids=["defaults", "custom"])
def test_env_round_trip(config: ServiceConfig) -> None:
    """``to_env`` then ``from_env`` rebuilds an equal configuration."""
    env = config.to_env()
    assert all(
        name.startswith(ENV_PREFIX) and isinstance(value, str) for name, value in env.items()
    )
    assert ServiceConfig.from_env(env) == config


def test_to_env_text() -> None:
    """``to_env`` joins tuples with commas and leaves out None and ``extra``."""
    env = CUSTOM.to_env()
    assert env["PYPINS_ALLOWED_REGISTRIES"] == "https://a.example/pypi,http://b.example/simple"
    assert env["PYPINS_TIMEOUT"] == "2.5"
    assert env["PYPINS_PORT"] == "8080"
    assert "PYPINS_REDIS_URL" not in ServiceConfig().to_env()
    assert "PYPINS_EXTRA" not in ServiceConfig(extra={"a": "b"}).to_env()
    optional = {
        "extra",
        "redis_url",
        "admin_token",
        "access_log",
        "usage_db",
        "simple_url",
        "integrity_url",
    }
    names = {field.name for field in dataclasses.fields(ServiceConfig)} - optional
    assert {ENV_PREFIX + name.upper() for name in names} <= set(ServiceConfig().to_env())


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        ("0", False),
        ("off", False),
        ("No", False),
        ("", False),
    ],
)
def test_boolean_settings_from_env(raw: str, value: bool) -> None:
    """Booleans read the usual spellings, in any case."""
    config = ServiceConfig.from_env({"PYPINS_ALLOW_PRIVATE_REGISTRIES": raw})
    assert config.allow_private_registries is value
    assert ServiceConfig.from_env(config.to_env()) == config


def test_boolean_settings_refuse_other_text() -> None:
    """Anything else is a ConfigError naming the setting."""
    with pytest.raises(ConfigError, match=r"^allow_private_registries: "):
        ServiceConfig.from_env({"PYPINS_ALLOW_PRIVATE_REGISTRIES": "maybe"})
