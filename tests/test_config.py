"""``ServiceConfig``: the declarations, defaults, validation, secrets, the ``PYPINS_*``
environment and the settings table of docs/operations.md."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from pypins import settings
from pypins.config import (
    ENV_PREFIX,
    HIDDEN,
    LOG_LEVELS,
    SETTINGS,
    ConfigError,
    ServiceConfig,
    Setting,
    hide_password,
    settings_table,
)

OPERATIONS = Path(__file__).resolve().parent.parent / "docs" / "operations.md"

CUSTOM = ServiceConfig(
    host="0.0.0.0",
    port=8080,
    workers=4,
    max_head_bytes=8192,
    head_timeout=2.5,
    max_connections=100,
    pypi_url="http://127.0.0.1:9000/pypi",
    simple_url="http://127.0.0.1:9000/simple",
    stats_url="https://stats.example",
    updates_url="https://pypi.example/rss/updates.xml",
    redis_url="redis://:hunter2-redis@127.0.0.1:6379/0",
    redis_timeout=1.5,
    cache_ttl=60,
    grace=0,
    negative_ttl=7,
    downloads_ttl=3600,
    timeout=2.5,
    max_response_bytes=4096,
    poll_interval=0.1 + 0.2,
    allowed_registries=("https://a.example/pypi", "http://b.example/simple"),
    allow_private_registries=True,
    contact_url="https://example.org/contact",
    log_level="debug",
    public_url="https://badges.example",
    metrics_bind="127.0.0.1:9108",
    access_log="-",
    usage_db="off",
    admin_token="hunter2-admin-token",
)

#: Today's flags of ``pypins serve``, by setting; every other setting is env-only.
FLAGS = {
    "host": "--host",
    "port": "--port",
    "workers": "--workers",
    "pypi_url": "--pypi-url",
    "stats_url": "--stats-url",
    "updates_url": "--updates-url",
    "redis_url": "--redis-url",
    "cache_ttl": "--cache-ttl",
    "grace": "--grace",
    "allowed_registries": "--allowed-registry",
    "memory_budget": "--memory-budget",
    "metrics_bind": "--metrics-bind",
    "access_log": "--access-log",
    "log_level": "--log-level",
}

#: Settings whose default is a constant of ``pypins.settings``.
FROM_SETTINGS = {
    "pypi_url": settings.DEFAULT_PYPI_URL,
    "stats_url": settings.DEFAULT_STATS_URL,
    "updates_url": settings.DEFAULT_LATEST_UPDATES_URL,
    "contact_url": settings.DEFAULT_CONTACT_URL,
    "redis_timeout": settings.DEFAULT_REDIS_TIMEOUT,
    "max_head_bytes": settings.DEFAULT_MAX_HEAD_BYTES,
    "head_timeout": settings.DEFAULT_HEAD_TIMEOUT,
    "cache_ttl": settings.DEFAULT_CACHE_TTL,
    "grace": settings.DEFAULT_GRACE,
    "negative_ttl": settings.DEFAULT_NEGATIVE_TTL,
    "downloads_ttl": settings.DEFAULT_DOWNLOADS_TTL,
    "timeout": settings.DEFAULT_TIMEOUT,
    "max_response_bytes": settings.DEFAULT_MAX_RESPONSE_BYTES,
    "poll_interval": settings.DEFAULT_POLL_INTERVAL,
    "stats_rate_per_second": settings.DEFAULT_STATS_RATE_PER_SECOND,
    "stats_rate_per_minute": settings.DEFAULT_STATS_RATE_PER_MINUTE,
    "stats_max_wait": settings.DEFAULT_STATS_MAX_WAIT,
    "warm_downloads": settings.DEFAULT_WARM_DOWNLOADS,
    "max_upstream_concurrency": settings.DEFAULT_MAX_UPSTREAM_CONCURRENCY,
    "max_queued": settings.DEFAULT_MAX_QUEUED,
    "retries": settings.DEFAULT_RETRIES,
    "breaker_threshold": settings.DEFAULT_BREAKER_THRESHOLD,
    "breaker_cooldown": settings.DEFAULT_BREAKER_COOLDOWN,
    "memory_budget": settings.DEFAULT_MEMORY_BUDGET,
}

EVERY_SETTING = pytest.mark.parametrize("setting", list(SETTINGS.values()), ids=list(SETTINGS))


def _label(name: str) -> str:
    """What an error about setting ``name`` starts with, as a regular expression."""
    return "^" + re.escape(SETTINGS[name].label) + ": "


# The declarations


def test_every_field_is_a_declared_setting() -> None:
    """Each field but ``extra`` is declared as a setting, in the fields' order."""
    names = [item.name for item in dataclasses.fields(ServiceConfig) if item.name != "extra"]
    assert list(SETTINGS) == names


@EVERY_SETTING
def test_declaration(setting: Setting) -> None:
    """A setting's variable is ``PYPINS_<NAME>``, its default the field's, its help one
    line fit for a Markdown table, and an empty default says what it means."""
    assert setting.env == ENV_PREFIX + setting.name.upper()
    assert setting.default == getattr(ServiceConfig(), setting.name)
    assert setting.help
    assert setting.help.strip() == setting.help
    assert "\n" not in setting.help
    assert "|" not in setting.help + setting.shown_default
    assert not setting.help.endswith(".")
    if setting.default in (None, "", ()):
        assert setting.default_help is not None


def test_flags_are_todays() -> None:
    """The declared flags are exactly ``pypins serve``'s flags, spelled as before."""
    assert {item.name: item.flag for item in SETTINGS.values() if item.flag} == FLAGS


@pytest.mark.parametrize(("name", "default"), FROM_SETTINGS.items(), ids=list(FROM_SETTINGS))
def test_defaults_come_from_settings(name: str, default: object) -> None:
    """Defaults are still the constants of ``pypins.settings``."""
    assert SETTINGS[name].default == default


def test_secrets() -> None:
    """The admin token and the Redis URL (for its password) are the secrets."""
    assert {item.name for item in SETTINGS.values() if item.secret} == {"admin_token", "redis_url"}


@EVERY_SETTING
def test_default_text_round_trips(setting: Setting) -> None:
    """A default as text (what the env file and ``--help`` show) reads back as itself."""
    if setting.default is not None:
        assert setting.parse(setting.text(setting.default)) == setting.default


# Defaults and validation


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
        ({"simple_url": "pypi.org/simple"}, "simple_url"),
        ({"integrity_url": ""}, "integrity_url"),
        ({"stats_url": "file:///etc/passwd"}, "stats_url"),
        ({"updates_url": ""}, "updates_url"),
        ({"contact_url": "mailto:me@example.org"}, "contact_url"),
        ({"public_url": "badges.example"}, "public_url"),
        ({"allowed_registries": ("https://ok.example", "gopher://x")}, "allowed_registries"),
        ({"allowed_registries": ("https://ok.example?x=1",)}, "allowed_registries"),
        ({"redis_url": "http://127.0.0.1:6379"}, "redis_url"),
        ({"redis_url": "127.0.0.1:6379"}, "redis_url"),
        ({"redis_url": "redis://[::1"}, "redis_url"),
        ({"port": 0}, "port"),
        ({"port": -1}, "port"),
        ({"port": 65536}, "port"),
        ({"workers": 0}, "workers"),
        ({"max_head_bytes": 4095}, "max_head_bytes"),
        ({"head_timeout": 0.0}, "head_timeout"),
        ({"head_timeout": float("nan")}, "head_timeout"),
        ({"max_connections": -1}, "max_connections"),
        ({"cache_ttl": 0}, "cache_ttl"),
        ({"negative_ttl": 0}, "negative_ttl"),
        ({"downloads_ttl": -5}, "downloads_ttl"),
        ({"grace": -1}, "grace"),
        ({"timeout": 0.0}, "timeout"),
        ({"timeout": -1.0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"redis_timeout": 0.0}, "redis_timeout"),
        ({"redis_timeout": float("nan")}, "redis_timeout"),
        ({"poll_interval": -1.0}, "poll_interval"),
        ({"stats_rate_per_second": 0}, "stats_rate_per_second"),
        ({"stats_rate_per_minute": 0}, "stats_rate_per_minute"),
        ({"stats_max_wait": -0.1}, "stats_max_wait"),
        ({"stats_max_wait": settings.DEFAULT_STATS_BACKLOG + 1}, "stats_max_wait"),
        ({"warm_downloads": -1}, "warm_downloads"),
        ({"max_response_bytes": 1023}, "max_response_bytes"),
        ({"memory_budget": 0}, "memory_budget"),
        ({"memory_budget": -1}, "memory_budget"),
        ({"log_level": "verbose"}, "log_level"),
        ({"log_level": "INFO"}, "log_level"),
        ({"metrics_bind": "9100"}, "metrics_bind"),
        ({"metrics_bind": "127.0.0.1:"}, "metrics_bind"),
        ({"metrics_bind": "127.0.0.1:70000"}, "metrics_bind"),
        ({"admin_token": "short"}, "admin_token"),
        ({"max_upstream_concurrency": 0}, "max_upstream_concurrency"),
        ({"max_queued": -1}, "max_queued"),
        ({"retries": -1}, "retries"),
        ({"breaker_threshold": 0}, "breaker_threshold"),
        ({"breaker_cooldown": 0.0}, "breaker_cooldown"),
    ],
)
def test_invalid_values(changes: dict[str, Any], setting: str) -> None:
    """Every invalid value is a ConfigError that starts with its variable (and flag)."""
    with pytest.raises(ConfigError, match=_label(setting)) as raised:
        ServiceConfig(**changes)
    assert raised.value.setting is SETTINGS[setting]
    with pytest.raises(ConfigError, match=_label(setting)):
        ServiceConfig().replace(**changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cache_ttl": 0}, "PYPINS_CACHE_TTL (--cache-ttl): must be at least 1 second"),
        ({"port": 0}, "PYPINS_PORT (--port): 0 is not a TCP port"),
        ({"workers": 0}, "PYPINS_WORKERS (--workers): must be at least 1"),
        ({"grace": -1}, "PYPINS_GRACE (--grace): must not be negative"),
        (
            {"pypi_url": "pypi.org"},
            "PYPINS_PYPI_URL (--pypi-url): 'pypi.org' is not an http(s) URL",
        ),
        (
            {"allowed_registries": ("gopher://x",)},
            "PYPINS_ALLOWED_REGISTRIES (--allowed-registry): 'gopher://x' is not an http(s) URL",
        ),
        (
            {"log_level": "loud"},
            "PYPINS_LOG_LEVEL (--log-level): expected one of critical, error, warning, info,"
            " debug, got 'loud'",
        ),
        ({"timeout": 0.0}, "PYPINS_TIMEOUT: must be positive"),
        ({"max_queued": -1}, "PYPINS_MAX_QUEUED: must not be negative"),
        ({"admin_token": "short"}, "PYPINS_ADMIN_TOKEN: must be at least 16 characters"),
        (
            {"memory_budget": 0},
            "PYPINS_MEMORY_BUDGET (--memory-budget): must be at least 1 MB",
        ),
    ],
)
def test_error_messages_name_what_the_user_set(changes: dict[str, Any], message: str) -> None:
    """An error names the variable, then the flag when there is one; never the field alone."""
    with pytest.raises(ConfigError) as raised:
        ServiceConfig(**changes)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "redis_url",
    ["redis://:hunter2@[::1", "http://user:hunter2@cache.example", "redis://user:hunter2@[x]/0"],
)
def test_errors_hide_the_redis_password(redis_url: str) -> None:
    """An invalid Redis URL's error does not show its password."""
    with pytest.raises(ConfigError, match=_label("redis_url")) as raised:
        ServiceConfig(redis_url=redis_url)
    assert "hunter2" not in str(raised.value)


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
        {"public_url": ""},
        {"public_url": "https://badges.example/"},
        *({"log_level": level} for level in LOG_LEVELS),
        {"metrics_bind": "[::1]:9100"},
        {"admin_token": "x" * 16},
        {"max_queued": 0, "retries": 0, "breaker_threshold": 1},
        {"poll_interval": 0.0, "warm_downloads": 0, "stats_max_wait": 0.0},
        {"stats_max_wait": settings.DEFAULT_STATS_BACKLOG},
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


# Secrets


@pytest.mark.parametrize(
    ("changes", "shown", "secret"),
    [
        ({"admin_token": "hunter2-admin-token"}, f"admin_token='{HIDDEN}'", "hunter2"),
        (
            {"redis_url": "redis://:hunter2@127.0.0.1:6379/0"},
            f"redis_url='redis://:{HIDDEN}@127.0.0.1:6379/0'",
            "hunter2",
        ),
        (
            {"redis_url": "rediss://pypins:hunter2@cache.example:6380/1"},
            f"redis_url='rediss://pypins:{HIDDEN}@cache.example:6380/1'",
            "hunter2",
        ),
        (
            {"redis_url": "unix:///run/redis.sock?db=1&password=hunter2"},
            f"redis_url='unix:///run/redis.sock?db=1&password={HIDDEN}'",
            "hunter2",
        ),
    ],
)
def test_repr_hides_secrets(changes: dict[str, Any], shown: str, secret: str) -> None:
    """``repr`` and ``str`` (what a log line shows) hide secrets; ``to_env`` keeps them."""
    config = ServiceConfig(**changes)
    for text in (repr(config), str(config), f"{config}", "%r" % (config,)):  # noqa: UP031
        assert shown in text
        assert secret not in text
    assert secret in "".join(config.to_env().values())


def test_repr_shows_every_setting() -> None:
    """``repr`` names each setting with its value, unset secrets as None."""
    text = repr(ServiceConfig(cache_ttl=60))
    assert text.startswith("ServiceConfig(host='127.0.0.1', port=8000, ")
    assert "cache_ttl=60, " in text
    assert "admin_token=None, " in text
    assert "redis_url=None, " in text
    assert text.endswith("extra={})")
    assert all(f"{name}=" in text for name in SETTINGS)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://:pw@host/0", f"redis://:{HIDDEN}@host/0"),
        ("redis://user:pw@host:1/0", f"redis://user:{HIDDEN}@host:1/0"),
        ("redis://user:p:w@host", f"redis://user:{HIDDEN}@host"),
        ("rediss://user@host", "rediss://user@host"),
        ("unix:///s.sock?password=pw&db=0", f"unix:///s.sock?password={HIDDEN}&db=0"),
        ("unix:///s.sock?db=0&PASSWORD=pw", f"unix:///s.sock?db=0&PASSWORD={HIDDEN}"),
        ("redis://:pw@[::1", f"redis://:{HIDDEN}@[::1"),
    ],
)
def test_hide_password(url: str, shown: str) -> None:
    """A Redis URL's password, in its user info or its query, is hidden; the rest stays."""
    assert hide_password(url) == shown


# The environment


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
        ("PYPINS_SIMPLE_URL", "", "simple_url", None),
        ("PYPINS_ADMIN_TOKEN", "", "admin_token", None),
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
    ("variable", "raw", "message"),
    [
        ("PYPINS_PORT", "eighty", "PYPINS_PORT (--port): 'eighty' is not a whole number"),
        ("PYPINS_PORT", "80.5", "PYPINS_PORT (--port): '80.5' is not a whole number"),
        ("PYPINS_WORKERS", "", "PYPINS_WORKERS (--workers): '' is not a whole number"),
        ("PYPINS_TIMEOUT", "soon", "PYPINS_TIMEOUT: 'soon' is not a number"),
        ("PYPINS_GRACE", "1h", "PYPINS_GRACE (--grace): '1h' is not a whole number"),
        (
            "PYPINS_ALLOW_PRIVATE_REGISTRIES",
            "maybe",
            "PYPINS_ALLOW_PRIVATE_REGISTRIES: 'maybe' is not a boolean (true/false)",
        ),
    ],
)
def test_from_env_reports_text_of_the_wrong_type(variable: str, raw: str, message: str) -> None:
    """A variable that is not of its setting's type names the variable (and flag) and text."""
    with pytest.raises(ConfigError) as raised:
        ServiceConfig.from_env({variable: raw})
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("variable", "raw", "setting"),
    [
        ("PYPINS_PORT", "0", "port"),
        ("PYPINS_PYPI_URL", "pypi.org", "pypi_url"),
        ("PYPINS_LOG_LEVEL", "loud", "log_level"),
        ("PYPINS_TIMEOUT", "nan", "timeout"),
        ("PYPINS_PUBLIC_URL", "badges.example", "public_url"),
    ],
)
def test_from_env_validates(variable: str, raw: str, setting: str) -> None:
    """Values read from the environment are validated like any other."""
    with pytest.raises(ConfigError, match=_label(setting)):
        ServiceConfig.from_env({variable: raw})


@pytest.mark.parametrize("config", [ServiceConfig(), CUSTOM], ids=["defaults", "custom"])
def test_env_round_trip(config: ServiceConfig) -> None:
    """``to_env`` then ``from_env`` rebuilds an equal configuration, secrets included."""
    env = config.to_env()
    assert all(
        name.startswith(ENV_PREFIX) and isinstance(value, str) for name, value in env.items()
    )
    assert ServiceConfig.from_env(env) == config


def test_to_env_text() -> None:
    """``to_env`` writes each setting as its variable's text, leaving out None and
    ``extra``."""
    env = CUSTOM.to_env()
    assert env["PYPINS_ALLOWED_REGISTRIES"] == "https://a.example/pypi,http://b.example/simple"
    assert env["PYPINS_TIMEOUT"] == "2.5"
    assert env["PYPINS_PORT"] == "8080"
    assert env["PYPINS_ALLOW_PRIVATE_REGISTRIES"] == "true"
    assert env["PYPINS_ADMIN_TOKEN"] == "hunter2-admin-token"
    assert env["PYPINS_REDIS_URL"] == "redis://:hunter2-redis@127.0.0.1:6379/0"
    assert ServiceConfig().to_env()["PYPINS_BREAKER_COOLDOWN"] == "30"
    assert "PYPINS_REDIS_URL" not in ServiceConfig().to_env()
    assert "PYPINS_EXTRA" not in ServiceConfig(extra={"a": "b"}).to_env()
    optional = {item.env for item in SETTINGS.values() if item.optional}
    assert set(ServiceConfig().to_env()) == {item.env for item in SETTINGS.values()} - optional


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


# The docs


def _docs_table() -> str:
    """The settings table of docs/operations.md, as written."""
    lines = OPERATIONS.read_text(encoding="utf-8").splitlines()
    start = lines.index("| flag | variable | default | meaning |")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join(lines[start:end]) + "\n"


def test_docs_table_is_the_declarations() -> None:
    """docs/operations.md's settings table is the one the declarations give (print it with
    ``python -c 'from pypins.config import settings_table; print(settings_table())'``)."""
    assert _docs_table() == settings_table()


@EVERY_SETTING
def test_docs_table_lists_each_setting_once(setting: Setting) -> None:
    """Each setting has one row: its flag, variable, default and help."""
    (row,) = (line for line in _docs_table().splitlines() if f"| `{setting.env}` |" in line)
    flag = f"`{setting.flag}`" if setting.flag else "—"
    assert row == f"| {flag} | `{setting.env}` | {setting.shown_default} | {setting.help} |"
