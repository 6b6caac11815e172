"""``pypins serve``: options and environment into a ServiceConfig, and the real server."""

from __future__ import annotations

import os
import resource
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import click
import httpx
import pytest
import uvicorn
from click.testing import CliRunner, Result
from prometheus_client.parser import text_string_to_metric_families
from uvicorn.config import STARTUP_FAILURE

from pypins import settings
from pypins.cli import _serve, main
from pypins.cli._serve import serve
from pypins.config import SETTINGS, ServiceConfig, Setting
from tests.support.service import Service, free_port
from tests.support.upstream import Upstream

ADMIN_TOKEN = "hunter2-admin-token"

#: A configuration with every setting changed from its default.
CUSTOM = ServiceConfig(
    host="0.0.0.0",
    port=8080,
    workers=3,
    max_head_bytes=8192,
    head_timeout=2.5,
    max_connections=100,
    pypi_url="http://127.0.0.1:9000/pypi",
    simple_url="http://127.0.0.1:9000/simple",
    integrity_url="http://127.0.0.1:9000/integrity",
    stats_url="https://stats.example",
    updates_url="https://pypi.example/rss/updates.xml",
    redis_url="redis://:hunter2@127.0.0.1:6379/0",
    redis_timeout=1.5,
    cache_ttl=60,
    grace=0,
    negative_ttl=7,
    downloads_ttl=3600,
    timeout=2.5,
    max_response_bytes=4096,
    poll_interval=0,
    stats_rate_per_second=2,
    stats_rate_per_minute=20,
    stats_max_wait=1.25,
    warm_downloads=0,
    allowed_registries=("https://a.example/pypi", "http://b.example/simple"),
    allow_private_registries=True,
    contact_url="https://example.org/contact",
    public_url="https://badges.example",
    retries=0,
    breaker_threshold=3,
    breaker_cooldown=0.5,
    max_upstream_concurrency=8,
    max_queued=0,
    metrics_bind="127.0.0.1:9108",
    access_log="-",
    usage_db="off",
    admin_token=ADMIN_TOKEN,
    log_level="debug",
)

FLAGGED = pytest.mark.parametrize(
    "setting", _serve.FLAGGED, ids=[item.name for item in _serve.FLAGGED]
)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[ServiceConfig]:
    """The configurations ``run`` was called with (the server is not started)."""
    for name in list(os.environ):
        if name.startswith("PYPINS_"):
            monkeypatch.delenv(name)
    calls: list[ServiceConfig] = []
    monkeypatch.setattr(_serve, "run", calls.append)
    return calls


def _serve_cli(*args: str, **env: str) -> Result:
    return CliRunner().invoke(main, ["serve", *args], env=env, prog_name="pypins")


def _config(started: list[ServiceConfig], *args: str, **env: str) -> ServiceConfig:
    result = _serve_cli(*args, **env)
    assert result.exit_code == 0, result.output
    assert len(started) == 1
    return started[0]


def test_defaults(started: list[ServiceConfig]) -> None:
    """Without flags or variables the service gets the default configuration."""
    assert _config(started) == ServiceConfig()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--host", "0.0.0.0"], {"host": "0.0.0.0"}),
        (["--port", "9000"], {"port": 9000}),
        (["--workers", "3"], {"workers": 3}),
        (["--pypi-url", "http://127.0.0.1:1/pypi"], {"pypi_url": "http://127.0.0.1:1/pypi"}),
        (["--stats-url", "https://stats.example"], {"stats_url": "https://stats.example"}),
        (["--updates-url", "https://u.example/rss"], {"updates_url": "https://u.example/rss"}),
        (["--redis-url", "redis://127.0.0.1/0"], {"redis_url": "redis://127.0.0.1/0"}),
        (["--cache-ttl", "60"], {"cache_ttl": 60}),
        (["--grace", "0"], {"grace": 0}),
        (["--log-level", "debug"], {"log_level": "debug"}),
        (
            ["--allowed-registry", "https://a.example", "--allowed-registry", "https://b.example"],
            {"allowed_registries": ("https://a.example", "https://b.example")},
        ),
        (
            [
                "--allowed-registry",
                "https://a.example, https://b.example,",
                "--allowed-registry",
                "http://c.example",
            ],
            {"allowed_registries": ("https://a.example", "https://b.example", "http://c.example")},
        ),
    ],
)
def test_flags(started: list[ServiceConfig], args: list[str], expected: dict[str, Any]) -> None:
    """Each flag sets its setting and leaves the others at their defaults."""
    assert _config(started, *args) == ServiceConfig(**expected)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PYPINS_PORT": "9001"}, {"port": 9001}),
        ({"PYPINS_HOST": "::1"}, {"host": "::1"}),
        ({"PYPINS_WORKERS": "2"}, {"workers": 2}),
        ({"PYPINS_PYPI_URL": "http://127.0.0.1:2/pypi"}, {"pypi_url": "http://127.0.0.1:2/pypi"}),
        ({"PYPINS_CACHE_TTL": "120"}, {"cache_ttl": 120}),
        ({"PYPINS_GRACE": "5"}, {"grace": 5}),
        ({"PYPINS_LOG_LEVEL": "error"}, {"log_level": "error"}),
        ({"PYPINS_REDIS_URL": "rediss://cache.example"}, {"redis_url": "rediss://cache.example"}),
        (
            {"PYPINS_ALLOWED_REGISTRIES": "https://a.example,https://b.example"},
            {"allowed_registries": ("https://a.example", "https://b.example")},
        ),
        # Settings without a flag come from the environment only.
        ({"PYPINS_TIMEOUT": "2.5"}, {"timeout": 2.5}),
        ({"PYPINS_NEGATIVE_TTL": "9"}, {"negative_ttl": 9}),
        ({"PYPINS_DOWNLOADS_TTL": "99"}, {"downloads_ttl": 99}),
        ({"PYPINS_MAX_RESPONSE_BYTES": "2048"}, {"max_response_bytes": 2048}),
        ({"PYPINS_CONTACT_URL": "https://me.example"}, {"contact_url": "https://me.example"}),
        ({"PYPINS_PUBLIC_URL": "https://badges.example"}, {"public_url": "https://badges.example"}),
    ],
)
def test_environment(
    started: list[ServiceConfig], env: dict[str, str], expected: dict[str, Any]
) -> None:
    """Each ``PYPINS_*`` variable sets its setting."""
    assert _config(started, **env) == ServiceConfig(**expected)


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--port", "9002"], {"PYPINS_PORT": "9003"}, {"port": 9002}),
        (["--workers", "2"], {"PYPINS_WORKERS": "0"}, {"workers": 2}),
        (["--port", "9004"], {"PYPINS_PORT": "not a port"}, {"port": 9004}),
        (["--log-level", "debug"], {"PYPINS_LOG_LEVEL": "loud"}, {"log_level": "debug"}),
        (
            ["--pypi-url", "http://127.0.0.1:3/pypi"],
            {"PYPINS_PYPI_URL": "ftp://elsewhere"},
            {"pypi_url": "http://127.0.0.1:3/pypi"},
        ),
        (
            ["--allowed-registry", "https://a.example"],
            {"PYPINS_ALLOWED_REGISTRIES": "gopher://b.example"},
            {"allowed_registries": ("https://a.example",)},
        ),
        (
            ["--cache-ttl", "30"],
            {"PYPINS_CACHE_TTL": "40", "PYPINS_TIMEOUT": "1.5"},
            {"cache_ttl": 30, "timeout": 1.5},
        ),
    ],
)
def test_flags_win_over_environment(
    started: list[ServiceConfig], args: list[str], env: dict[str, str], expected: dict[str, Any]
) -> None:
    """A flag overrides its variable, even an invalid one; other variables still apply."""
    assert _config(started, *args, **env) == ServiceConfig(**expected)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--port", "http"], {}, "PYPINS_PORT (--port): 'http' is not a whole number"),
        (["--port", "0"], {}, "PYPINS_PORT (--port): 0 is not a TCP port"),
        (["--port", "70000"], {}, "PYPINS_PORT (--port): 70000 is not a TCP port"),
        (["--workers", "0"], {}, "PYPINS_WORKERS (--workers): must be at least 1"),
        (["--cache-ttl", "0"], {}, "PYPINS_CACHE_TTL (--cache-ttl): must be at least 1 second"),
        (["--grace", "-1"], {}, "PYPINS_GRACE (--grace): must not be negative"),
        (
            ["--pypi-url", "pypi.org"],
            {},
            "PYPINS_PYPI_URL (--pypi-url): 'pypi.org' is not an http(s) URL",
        ),
        (
            ["--stats-url", "ftp://x"],
            {},
            "PYPINS_STATS_URL (--stats-url): 'ftp://x' is not an http(s) URL",
        ),
        (["--redis-url", "http://x"], {}, "PYPINS_REDIS_URL (--redis-url): expected redis://"),
        (
            ["--allowed-registry", "https://ok.example,nope"],
            {},
            "PYPINS_ALLOWED_REGISTRIES (--allowed-registry): 'nope'",
        ),
        (["--log-level", "loud"], {}, "PYPINS_LOG_LEVEL (--log-level): expected one of"),
        (
            ["--metrics-bind", "9100"],
            {},
            "PYPINS_METRICS_BIND (--metrics-bind): expected host:port, got '9100'",
        ),
        ([], {"PYPINS_PORT": "eighty"}, "PYPINS_PORT (--port): 'eighty' is not a whole number"),
        ([], {"PYPINS_WORKERS": "-1"}, "PYPINS_WORKERS (--workers): must be at least 1"),
        ([], {"PYPINS_TIMEOUT": "soon"}, "PYPINS_TIMEOUT: 'soon' is not a number"),
        ([], {"PYPINS_TIMEOUT": "0"}, "PYPINS_TIMEOUT: must be positive"),
        (
            [],
            {"PYPINS_MAX_RESPONSE_BYTES": "10"},
            "PYPINS_MAX_RESPONSE_BYTES: must be at least 1024",
        ),
        ([], {"PYPINS_ADMIN_TOKEN": "short"}, "PYPINS_ADMIN_TOKEN: must be at least 16 characters"),
        (["--no-such-flag"], {}, "No such option"),
    ],
)
def test_bad_values_are_usage_errors(
    started: list[ServiceConfig], args: list[str], env: dict[str, str], message: str
) -> None:
    """A bad flag or variable exits with code 2 and names the variable and the flag;
    nothing starts."""
    result = _serve_cli(*args, **env)
    assert result.exit_code == 2
    assert f"Error: {message}" in result.output
    assert "Usage: pypins serve" in result.output
    assert "Traceback" not in result.output
    assert started == []


def test_errors_hide_the_redis_password(started: list[ServiceConfig]) -> None:
    """A bad Redis URL is refused without showing its password."""
    result = _serve_cli("--redis-url", "http://user:hunter2@cache.example")
    assert result.exit_code == 2
    assert "PYPINS_REDIS_URL (--redis-url): " in result.output
    assert "hunter2" not in result.output


def _options() -> dict[str, click.Option]:
    """``pypins serve``'s options by parameter name, but --help."""
    return {
        param.name: param
        for param in serve.params
        if isinstance(param, click.Option) and param.name and param.name != "help"
    }


def test_options_are_the_flagged_settings() -> None:
    """``serve`` has one option per setting with a flag, and no other."""
    assert list(_options()) == [name for name, item in SETTINGS.items() if item.flag]
    assert [item.name for item in _serve.FLAGGED] == list(_options())


@FLAGGED
def test_option_is_generated_from_its_declaration(setting: Setting) -> None:
    """Each option has its setting's flag, variable (shown), help and repeatability."""
    option = _options()[setting.name]
    assert option.opts == [setting.flag]
    assert option.envvar == setting.env
    assert option.show_envvar
    assert option.multiple is setting.multiple
    assert option.help == setting.help.replace("`", "")


def _help() -> str:
    """``pypins serve --help``, its lines joined as one."""
    result = CliRunner().invoke(main, ["serve", "--help"], prog_name="pypins", env={})
    assert result.exit_code == 0
    return " ".join(result.output.split())


@FLAGGED
def test_help_shows_each_variable_and_default(setting: Setting) -> None:
    """``serve --help`` shows each flag with its help, variable and default."""
    text = _help()
    default = setting.shown_default.replace("`", "")
    if setting.default_help is not None:
        default = f"({default})"
    assert f"{setting.help.replace('`', '')} [env var: {setting.env}; default: {default}]" in text


def test_help_shows_defaults(started: list[ServiceConfig]) -> None:
    """``serve --help`` documents the flags with their defaults."""
    result = _serve_cli("--help")
    assert result.exit_code == 0
    for text in ("--allowed-registry", "--redis-url", settings.DEFAULT_PYPI_URL, "default: 8000]"):
        assert text in result.output
    assert "PYPINS_TIMEOUT" not in result.output
    assert started == []


def _flags_and_env(config: ServiceConfig) -> tuple[list[str], dict[str, str]]:
    """``config`` as flags, for the settings that have one, and variables for the rest."""
    args: list[str] = []
    env = config.to_env()
    for item in _serve.FLAGGED:
        text = env.pop(item.env, None)
        if text is None:
            continue
        if item.multiple:
            for value in getattr(config, item.name):
                args.extend([item.flag or "", value])
        else:
            args.extend([item.flag or "", text])
    return args, env


@pytest.mark.parametrize("config", [ServiceConfig(), CUSTOM], ids=["defaults", "custom"])
def test_environment_round_trip(started: list[ServiceConfig], config: ServiceConfig) -> None:
    """A configuration's variables (``to_env``) alone start the same configuration."""
    assert _config(started, **config.to_env()) == config


@pytest.mark.parametrize("config", [ServiceConfig(), CUSTOM], ids=["defaults", "custom"])
def test_flags_round_trip(started: list[ServiceConfig], config: ServiceConfig) -> None:
    """A configuration as flags (and variables for the settings without one) starts the
    same configuration."""
    args, env = _flags_and_env(config)
    assert _config(started, *args, **env) == config


def test_flags_win_over_every_variable(started: list[ServiceConfig]) -> None:
    """With every variable set to one configuration and every flag to another, the
    flags' values are the ones used, and the variables' for the rest."""
    args, _ = _flags_and_env(CUSTOM)
    flagged = {item.name: getattr(CUSTOM, item.name) for item in _serve.FLAGGED}
    expected = ServiceConfig(admin_token=ADMIN_TOKEN, retries=5).replace(**flagged)
    env = ServiceConfig(admin_token=ADMIN_TOKEN, retries=5, port=1, workers=2).to_env()
    assert _config(started, *args, **env) == expected


# The real server, as a subprocess on a loopback port


def _get(client: httpx.Client, path: str) -> httpx.Response:
    response = client.get(path)
    assert response.status_code == 200, (path, response.text)
    return response


def _upstream_args(upstream: Upstream) -> tuple[str, ...]:
    return ("--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url)


def test_serves_badges_end_to_end(upstream: Upstream) -> None:
    """The server answers /healthz and badges, fetching a package's JSON once for all."""
    service = Service(*_upstream_args(upstream), "--log-level", "warning")
    with service, httpx.Client(base_url=service.url, timeout=5, trust_env=False) as client:
        assert _get(client, "/healthz").status_code == 200
        badge = _get(client, "/pypi/v/requests.json")
        assert badge.headers["content-type"].startswith("application/json")
        assert badge.json()["label"] == "pypi"
        assert badge.json()["message"].startswith("v2.")
        licence = _get(client, "/pypi/l/requests.svg")
        assert licence.headers["content-type"].startswith("image/svg+xml")
        assert licence.text.startswith("<svg")
        assert upstream.count("/pypi/requests/json") == 1
    assert service.process is not None
    assert service.process.returncode == 0, service.output()


def test_serves_with_two_workers(upstream: Upstream) -> None:
    """With ``--workers 2`` the server starts and serves, configured from the environment."""
    service = Service(
        *_upstream_args(upstream), env={"PYPINS_WORKERS": "2", "PYPINS_CACHE_TTL": "60"}
    )
    with service, httpx.Client(base_url=service.url, timeout=5, trust_env=False) as client:
        for _ in range(4):
            assert _get(client, "/pypi/v/django.json").json()["label"] == "pypi"
        assert 1 <= upstream.count("/pypi/django/json") <= 2
    assert service.stop() == 0


#: Seconds the supervisor and systemd files give a stopping server before SIGKILL
#: (``stopwaitsecs``, ``TimeoutStopSec``).
STOP_ALLOWANCE = 30


def test_stops_when_signalled_while_its_workers_start(upstream: Upstream) -> None:
    """SIGTERM while the workers are still starting: the server stops by itself, exit 0,
    inside the 30 s the supervisor and systemd files allow (past them, ``stop`` kills
    it, and the exit status is -9)."""
    service = Service(
        *_upstream_args(upstream),
        "--log-level",
        "info",
        env={"PYPINS_WORKERS": "2"},
        stop_timeout=STOP_ALLOWANCE,
    )
    service.start()
    try:
        deadline = time.monotonic() + 30
        while "Started parent process" not in service.output():
            assert time.monotonic() < deadline, service.output()
            time.sleep(0.01)
        assert service.stop() == 0, service.output()
    finally:
        service.stop()


class _Supervisor:
    """Stands for uvicorn's Multiprocess: records its configuration, runs nothing."""

    runs: ClassVar[list[_Supervisor]] = []
    #: Calls of ``raise_open_files_limit`` (stood in for: the test process keeps its own).
    raised: ClassVar[list[int]] = []
    exitcodes: ClassVar[tuple[int | None, ...]] = (0,)

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self.config = config
        self.sockets = sockets
        self.processes = [SimpleNamespace(exitcode=code) for code in self.exitcodes]

    def run(self) -> None:
        _Supervisor.runs.append(self)
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def supervisor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[type[_Supervisor]]:
    """``run`` with uvicorn's supervisor stood in for; the environment it sets is undone."""
    monkeypatch.setattr(_serve, "Multiprocess", _Supervisor)
    monkeypatch.setattr(_Supervisor, "runs", [])
    monkeypatch.setattr(_Supervisor, "raised", [])
    monkeypatch.setattr(_serve, "raise_open_files_limit", lambda: _Supervisor.raised.append(1))
    monkeypatch.setenv(_serve.MULTIPROC_ENV, str(tmp_path / "metrics"))
    saved = dict(os.environ)
    yield _Supervisor
    os.environ.clear()
    os.environ.update(saved)


def test_run_configures_uvicorn_with_the_pypins_protocol(supervisor: type[_Supervisor]) -> None:
    """Workers under uvicorn's supervisor, on uvloop, with pypins' protocol; settings
    reach the workers through the environment."""
    _serve.run(ServiceConfig(port=free_port(), workers=3, cache_ttl=120))
    (ran,) = supervisor.runs
    config = ran.config
    assert config.app == "pypins.web.asgi:create_app"
    assert config.factory
    assert config.workers == 3
    assert (config.loop, config.http, config.ws, config.lifespan) == (
        "uvloop",
        "pypins.web.protocol:PypinsProtocol",
        "none",
        "on",
    )
    assert not config.access_log
    assert not config.server_header
    assert config.timeout_keep_alive == _serve.KEEP_ALIVE
    assert config.timeout_graceful_shutdown == _serve.GRACEFUL_SHUTDOWN
    assert os.environ["PYPINS_CACHE_TTL"] == "120"
    assert supervisor.raised


def test_run_exits_3_when_a_worker_failed_to_start(
    supervisor: type[_Supervisor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that could not start (uvicorn's exit status 3) stops ``pypins serve``
    with that status, so that systemd or supervisord sees the failure."""
    monkeypatch.setattr(_Supervisor, "exitcodes", (0, STARTUP_FAILURE))
    with pytest.raises(SystemExit) as stopped:
        _serve.run(ServiceConfig(port=free_port(), workers=2))
    assert stopped.value.code == STARTUP_FAILURE


def _badge_requests(text: str, kind: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "pypins_badge_requests_total" and sample.labels["kind"] == kind:
                total += sample.value
    return total


def _sample(text: str, name: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    return 0.0


@pytest.mark.slow
def test_metrics_of_two_workers_are_summed_on_a_separate_bind(
    upstream: Upstream, tmp_path: Path
) -> None:
    """Requests spread over two workers add up on the metrics listener; the main port
    has no /metrics then, and the multiprocess directory is removed on exit."""
    metrics_port = free_port()
    service = Service(
        *_upstream_args(upstream),
        "--metrics-bind",
        f"127.0.0.1:{metrics_port}",
        env={"PYPINS_WORKERS": "2", "PYPINS_POLL_INTERVAL": "0", "TMPDIR": str(tmp_path)},
    )
    with service:
        for _ in range(20):
            # A new connection each time, so that both workers take some.
            with httpx.Client(base_url=service.url, timeout=5, trust_env=False) as client:
                _get(client, "/pypi/v/requests.svg")
        with httpx.Client(base_url=service.url, timeout=5, trust_env=False) as client:
            assert client.get("/metrics").status_code == 404
        deadline = time.monotonic() + 60  # folded once a second: only a hang lasts this long
        text = ""
        with httpx.Client(timeout=5, trust_env=False) as client:
            while time.monotonic() < deadline:
                text = client.get(f"http://127.0.0.1:{metrics_port}/metrics").text
                if _badge_requests(text, "pypi/v") == 20:
                    break
                time.sleep(0.2)
        assert _badge_requests(text, "pypi/v") == 20, text
        assert _sample(text, "pypins_worker_starts_total") == 2
        assert len(list(tmp_path.glob("pypins-metrics-*"))) == 1
    assert service.stop() == 0
    assert list(tmp_path.glob("pypins-metrics-*")) == []


def test_prepare_multiprocess_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An operator's directory is emptied and kept; without one a fresh one is made."""
    own = tmp_path / "metrics"
    own.mkdir()
    (own / "counter_1.db").write_bytes(b"old")
    monkeypatch.setenv(_serve.MULTIPROC_ENV, str(own))
    assert _serve.prepare_multiprocess_dir() == (str(own), False)
    assert list(own.iterdir()) == []
    monkeypatch.delenv(_serve.MULTIPROC_ENV)
    made, created = _serve.prepare_multiprocess_dir()
    assert created
    assert os.environ[_serve.MULTIPROC_ENV] == made
    assert Path(made).is_dir()
    os.rmdir(made)


@pytest.mark.parametrize(
    ("limits", "raised", "now"),
    [
        pytest.param((1024, 65_536), (65_536, 65_536), 65_536, id="to-the-hard-limit"),
        pytest.param(
            (1024, resource.RLIM_INFINITY),
            (_serve.OPEN_FILES_UNLIMITED, resource.RLIM_INFINITY),
            _serve.OPEN_FILES_UNLIMITED,
            id="unlimited",
        ),
        pytest.param((4096, 4096), None, 4096, id="already-there"),
        pytest.param((resource.RLIM_INFINITY,) * 2, None, resource.RLIM_INFINITY, id="infinite"),
    ],
)
def test_raise_open_files_limit(
    monkeypatch: pytest.MonkeyPatch,
    limits: tuple[int, int],
    raised: tuple[int, int] | None,
    now: int,
) -> None:
    """The soft open-files limit is raised to the hard one (a bounded stand-in for an
    unlimited one), for the workers to derive their connection caps from."""
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(resource, "getrlimit", lambda which: limits)
    monkeypatch.setattr(resource, "setrlimit", lambda which, value: calls.append(value))
    assert _serve.raise_open_files_limit() == now
    assert calls == ([] if raised is None else [raised])


def test_raise_open_files_limit_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the kernel refuses the raise, the limit stays as it was."""

    def refuse(which: int, value: tuple[int, int]) -> None:
        raise ValueError("not allowed")

    monkeypatch.setattr(resource, "getrlimit", lambda which: (1024, 10**9))
    monkeypatch.setattr(resource, "setrlimit", refuse)
    assert _serve.raise_open_files_limit() == 1024
