"""The process management files and the Debian walkthrough's installer, checked and run.

``deploy/systemd/pypins.service`` is parsed (what it runs, where its settings come from,
its hardening) and, where ``systemd-analyze`` is installed, verified and rated by it;
``deploy/systemd/pypins.env`` must name every ``ServiceConfig`` setting exactly once,
show the true defaults and read the same in systemd and in a shell;
``deploy/supervisor/pypins.conf`` is parsed as supervisord would. Both launch commands
are then run for real, with the environment file's values pointed at loopback stand-ins
(ports, PyPI, Redis, state files), and ``deploy/install-debian.sh --print-nginx``'s
snippet serves badges over TLS in front of the shipped VCL, as the walkthrough sets up.
"""

from __future__ import annotations

import configparser
import dataclasses
import re
import shlex
import shutil
import ssl
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from pypins.config import ENV_PREFIX, ServiceConfig
from tests.support.binaries import require_binary
from tests.support.nginx import Nginx
from tests.support.redis import RedisServer
from tests.support.service import PYPINS, Service, free_port
from tests.support.upstream import Upstream
from tests.support.varnish import Varnish

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "systemd" / "pypins.service"
ENV_FILE = DEPLOY / "systemd" / "pypins.env"
SUPERVISOR = DEPLOY / "supervisor" / "pypins.conf"
INSTALLER = DEPLOY / "install-debian.sh"
NGINX_CONF = DEPLOY / "nginx" / "pypins.conf"

#: Where the walkthrough puts things on the host.
INSTALLED_PYPINS = "/opt/pypins/bin/pypins"
INSTALLED_ENV = "/etc/pypins/pypins.env"
STATE_DIR = "/var/lib/pypins"
DOMAIN = "badges.example.org"

#: Every setting, as a variable name.
SETTINGS = frozenset(
    ENV_PREFIX + item.name.upper()
    for item in dataclasses.fields(ServiceConfig)
    if item.name != "extra"
)
_ASSIGNMENT = re.compile(r"^(?P<comment>#?)(?P<name>PYPINS_[A-Z0-9_]+)=(?P<value>.*)$")
#: What a value may hold so that systemd and a POSIX shell read it alike.
_PORTABLE_VALUE = re.compile(r"[^\s'\"$`\\]*")


# Reading the files


def read_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file: section -> key -> values in order (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"key outside a section: {line!r}"
        key, separator, value = line.partition("=")
        assert separator, f"not a key=value line: {line!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def env_assignments(text: str) -> list[tuple[str, str, bool]]:
    """``(name, value, active)`` for each ``PYPINS_*`` line, commented out or not."""
    found = []
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line)
        if match:
            found.append((match["name"], match["value"], not match["comment"]))
    return found


def env_values(text: str) -> dict[str, str]:
    """What systemd's ``EnvironmentFile=`` sets from ``text`` (portable lines only)."""
    values = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", ";")):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def read_supervisor(text: str) -> configparser.RawConfigParser:
    """A supervisord configuration, as its own INI reader sees it."""
    parser = configparser.RawConfigParser(inline_comment_prefixes=(";",), strict=True)
    parser.read_string(text)
    return parser


def supervisor_environment(value: str) -> dict[str, str]:
    """supervisord's ``environment=KEY="value",KEY2="value2"``."""
    lexer = shlex.shlex(value, posix=True, punctuation_chars="=,")
    lexer.whitespace_split = True
    tokens = list(lexer)
    pairs: dict[str, str] = {}
    for index in range(0, len(tokens), 4):
        key, equals, item = tokens[index : index + 3]
        assert equals == "=", tokens
        pairs[key] = item
    return pairs


UNIT_SECTIONS = read_unit(UNIT.read_text(encoding="utf-8"))
SERVICE = UNIT_SECTIONS["Service"]
ENV_TEXT = ENV_FILE.read_text(encoding="utf-8")
ASSIGNMENTS = env_assignments(ENV_TEXT)
SHOWN_DEFAULTS = [(name, value) for name, value, active in ASSIGNMENTS if not active]
ACTIVE = {name: value for name, value, active in ASSIGNMENTS if active}
PROGRAM = read_supervisor(SUPERVISOR.read_text(encoding="utf-8"))["program:pypins"]


def unit_environment() -> dict[str, str]:
    """The unit's own ``Environment=`` assignments."""
    values = {}
    for assignment in SERVICE.get("Environment", []):
        for item in shlex.split(assignment):
            name, _, value = item.partition("=")
            values[name] = value
    return values


# The systemd unit


def test_unit_runs_pypins_serve_with_the_environment_file() -> None:
    """The unit runs the venv's ``pypins serve``, its settings from /etc/pypins/pypins.env."""
    assert [shlex.split(line) for line in SERVICE["ExecStart"]] == [[INSTALLED_PYPINS, "serve"]]
    assert SERVICE["EnvironmentFile"] == [INSTALLED_ENV]
    assert SERVICE["Restart"] == ["on-failure"]
    assert UNIT_SECTIONS["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.parametrize("key", ["After", "Wants"])
def test_unit_starts_after_the_network_and_redis(key: str) -> None:
    """The unit is ordered after, and wants, the network and Redis."""
    targets = " ".join(UNIT_SECTIONS["Unit"][key]).split()
    assert {"network-online.target", "redis-server.service"} <= set(targets)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DynamicUser", "yes"),
        ("User", "pypins"),
        ("StateDirectory", "pypins"),
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
        ("AmbientCapabilities", ""),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectControlGroups", "yes"),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("RestrictNamespaces", "yes"),
        ("RestrictSUIDSGID", "yes"),
        ("LockPersonality", "yes"),
        ("SystemCallArchitectures", "native"),
    ],
)
def test_unit_is_hardened(key: str, value: str) -> None:
    """Each hardening setting is present, once, with the expected value."""
    assert SERVICE.get(key) == [value]


def test_unit_environment_is_settings_in_its_state_directory() -> None:
    """The unit's own variables are settings; the request counts live in its StateDirectory."""
    environment = unit_environment()
    assert set(environment) <= SETTINGS
    assert environment["PYPINS_USAGE_DB"] == f"{STATE_DIR}/usage.sqlite3"
    assert SERVICE["StateDirectory"] == [Path(STATE_DIR).name]


@pytest.fixture
def unit_copy(tmp_path: Path) -> Path:
    """The unit with ExecStart= pointed at this environment's ``pypins`` (which exists)."""
    copy = tmp_path / "pypins.service"
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED_PYPINS, str(PYPINS)))
    return copy


def _systemd_analyze() -> str:
    """The systemd-analyze program, or a skip: the issue asks for it where available."""
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip(
            "systemd-analyze is not installed: the unit is verified where it is available"
            " (apt-get install systemd), as issue 7 asks; it is still parsed above"
        )
    return found


def test_systemd_analyze_verifies_the_unit(unit_copy: Path) -> None:
    """``systemd-analyze verify`` accepts the unit without a single warning."""
    done = subprocess.run(
        [_systemd_analyze(), "verify", str(unit_copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_systemd_analyze_rates_the_unit_well_hardened(unit_copy: Path) -> None:
    """``systemd-analyze security`` rates the unit's exposure at most 2.0 of 10 ("OK")."""
    done = subprocess.run(
        [_systemd_analyze(), "security", "--offline=true", "--threshold=20", str(unit_copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# The environment file


def test_env_file_documents_every_setting_once() -> None:
    """Every ServiceConfig setting is in pypins.env exactly once, and nothing else is."""
    names = [name for name, _, _ in ASSIGNMENTS]
    assert sorted(names) == sorted(SETTINGS)


@pytest.mark.parametrize(("name", "value"), SHOWN_DEFAULTS, ids=[n for n, _ in SHOWN_DEFAULTS])
def test_env_file_shows_the_true_default(name: str, value: str) -> None:
    """A commented-out line shows the setting's real default value."""
    assert ServiceConfig.from_env({name: value}) == ServiceConfig()


def test_env_file_active_values_are_valid_changes() -> None:
    """The lines left active are valid settings, each different from its default."""
    config = ServiceConfig.from_env(ACTIVE)
    for name in ACTIVE:
        field = name.removeprefix(ENV_PREFIX).lower()
        assert getattr(config, field) != getattr(ServiceConfig(), field), name


def test_env_file_lines_are_portable() -> None:
    """Every line is a comment or NAME=value with nothing a shell and systemd read apart."""
    for line in ENV_TEXT.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _ASSIGNMENT.match(line)
        assert match is not None, line
        assert _PORTABLE_VALUE.fullmatch(match["value"]), line
    for _, value, _ in ASSIGNMENTS:
        assert _PORTABLE_VALUE.fullmatch(value), value


def test_env_file_reads_the_same_in_a_shell() -> None:
    """A POSIX shell (supervisord's program) exports exactly what systemd would set."""
    done = subprocess.run(
        ["/bin/sh", "-c", f"set -a && . {shlex.quote(str(ENV_FILE))} && exec env"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    exported = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    from_shell = {name: value for name, value in exported.items() if name.startswith(ENV_PREFIX)}
    assert from_shell == env_values(ENV_TEXT) == ACTIVE


# The supervisord program


def test_supervisor_program_loads_the_environment_file_and_execs_pypins() -> None:
    """The program is a shell that exports /etc/pypins/pypins.env, then execs pypins serve."""
    shell, flag, script = shlex.split(PROGRAM["command"])
    assert (shell, flag) == ("/bin/sh", "-c")
    assert script == f"set -a && . {INSTALLED_ENV} && exec {INSTALLED_PYPINS} serve"
    assert "%" not in PROGRAM["command"]  # supervisord would expand it


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("user", "pypins"),
        ("directory", STATE_DIR),
        ("autostart", "true"),
        ("autorestart", "true"),
        ("stopsignal", "TERM"),
        ("stopasgroup", "true"),
        ("killasgroup", "true"),
        ("redirect_stderr", "true"),
    ],
)
def test_supervisor_program_settings(key: str, value: str) -> None:
    """The program runs as pypins, restarts, and stops pypins and its workers by SIGTERM."""
    assert PROGRAM[key] == value


def test_supervisor_environment_matches_the_unit() -> None:
    """supervisord gives pypins the same defaults as the unit's Environment=."""
    environment = supervisor_environment(PROGRAM["environment"])
    settings = {name: value for name, value in environment.items() if name in SETTINGS}
    assert settings == unit_environment()
    assert set(environment) - set(settings) == {"HOME"}


# Both launch commands, run with the environment file's values


@pytest.fixture
def localise(tmp_path: Path) -> dict[str, str]:
    """Host paths to their temporary stand-ins, for the files' values."""
    (tmp_path / "state").mkdir()
    return {
        STATE_DIR: str(tmp_path / "state"),
        "/var/log/pypins": str(tmp_path),
        INSTALLED_ENV: str(tmp_path / "pypins.env"),
        INSTALLED_PYPINS: str(PYPINS),
        "/var/log/supervisor": str(tmp_path),
    }


def _localised(text: str, replace: Mapping[str, str]) -> str:
    """``text`` with each host path in ``replace`` swapped for its stand-in."""
    for host_path, local in replace.items():
        text = text.replace(host_path, local)
    return text


def _localised_settings(
    values: Mapping[str, str], replace: Mapping[str, str], upstream: Upstream, redis: str, port: int
) -> dict[str, str]:
    """``values`` on this machine: loopback upstreams, Redis and port, temporary paths."""
    settings = {name: _localised(value, replace) for name, value in values.items()}
    settings.update(
        PYPINS_HOST="127.0.0.1",
        PYPINS_PORT=str(port),
        PYPINS_PYPI_URL=upstream.pypi_url,
        PYPINS_STATS_URL=upstream.stats_url,
        PYPINS_UPDATES_URL=upstream.latest_updates_url,
    )
    if "PYPINS_REDIS_URL" in settings:
        settings["PYPINS_REDIS_URL"] = redis
    return settings


def _serves_badges(service: Service) -> None:
    """``service`` is healthy and draws a version badge from the loopback PyPI."""
    with httpx.Client(base_url=service.url, timeout=10, trust_env=False) as client:
        assert client.get("/healthz").text == "ok\n"
        badge = client.get("/pypi/v/requests.svg")
    assert badge.status_code == 200
    assert badge.headers["content-type"].startswith("image/svg+xml")


@pytest.fixture
def unit_service(
    localise: dict[str, str], upstream: Upstream, redis_server: RedisServer
) -> Iterator[Service]:
    """``pypins serve`` as the unit runs it: its ExecStart=, Environment= and env file."""
    port = free_port()
    environment = {**unit_environment(), **ACTIVE}  # the file wins, as in systemd
    settings = _localised_settings(environment, localise, upstream, redis_server.url, port)
    command = shlex.split(SERVICE["ExecStart"][0].replace(INSTALLED_PYPINS, str(PYPINS)))
    with Service(command=command, env=settings, port=port) as service:
        yield service


@pytest.mark.redis
def test_unit_command_serves_with_the_env_file(unit_service: Service) -> None:
    """The unit's command, with the environment file's settings, serves badges."""
    _serves_badges(unit_service)


@pytest.mark.redis
def test_supervisor_command_serves_with_the_env_file(
    localise: dict[str, str], upstream: Upstream, redis_server: RedisServer
) -> None:
    """The supervisord program loads the env file, serves badges and stops on SIGTERM."""
    port = free_port()
    settings = _localised_settings(ACTIVE, localise, upstream, redis_server.url, port)
    Path(localise[INSTALLED_ENV]).write_text(
        "".join(f"{name}={value}\n" for name, value in settings.items())
    )
    command = _localised(PROGRAM["command"], localise)
    environment = {
        name: _localised(value, localise)
        for name, value in supervisor_environment(PROGRAM["environment"]).items()
    }
    # Service appends --host/--port, which `sh -c` takes as $0, $1...: the env file's
    # PYPINS_HOST/PYPINS_PORT are what count.
    service = Service(command=shlex.split(command), env=environment, port=port)
    with service:
        _serves_badges(service)
        output = service.output()
    assert service.stop() == 0, output  # SIGTERM reached pypins serve itself (exec)


# The installer's nginx snippet and Varnish drop-in


def _print_nginx(*args: str, installer: Path = INSTALLER) -> subprocess.CompletedProcess[str]:
    """``install-debian.sh --print-nginx ARGS``, finished."""
    return subprocess.run(
        ["/bin/sh", str(installer), "--print-nginx", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_installer_is_valid_posix_sh() -> None:
    """``sh -n`` accepts deploy/install-debian.sh."""
    done = subprocess.run(
        ["/bin/sh", "-n", str(INSTALLER)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("tls", [False, True], ids=["port-80", "tls"])
def test_installer_renders_the_shipped_nginx_snippet(tls: bool) -> None:
    """The snippet proxies to Varnish uncached, for one host, GET/HEAD only, TLS when asked."""
    certificate = ("/etc/letsencrypt/live/x/fullchain.pem", "/etc/letsencrypt/live/x/privkey.pem")
    done = _print_nginx(DOMAIN, *(certificate if tls else ()))
    assert done.returncode == 0, done.stderr
    lines = [line.strip() for line in done.stdout.splitlines()]
    assert any(line.startswith("server 127.0.0.1:6081;") for line in lines)
    assert f"server_name {DOMAIN};" in lines
    assert "proxy_cache pypins;" not in lines
    assert lines.count("limit_except GET {") == 1  # GET implies HEAD
    expected_tls = {
        "listen 443 ssl http2;",
        "listen [::]:443 ssl http2;",
        f"ssl_certificate     {certificate[0]};",
        f"ssl_certificate_key {certificate[1]};",
        "ssl_protocols       TLSv1.2 TLSv1.3;",
    }
    assert (expected_tls <= set(lines)) is tls
    assert "listen 80;" in lines
    assert "listen [::]:80;" in lines


@pytest.mark.parametrize(
    "args",
    [
        ("bad;name.org",),
        ("localhost",),
        ("-x.org",),
        ("a..org",),
        (DOMAIN, "/etc/cert.pem", "/etc/key pem"),
        (DOMAIN, "relative/cert.pem", "/etc/key.pem"),
        (DOMAIN, "/etc/cert.pem"),
    ],
)
def test_installer_refuses_bad_names_and_paths(args: tuple[str, ...]) -> None:
    """A host name or path that sed or nginx would misread stops the installer."""
    done = _print_nginx(*args)
    assert done.returncode != 0
    assert done.stdout == ""
    assert "install-debian: " in done.stderr


def test_installer_refuses_a_respelled_snippet(tmp_path: Path) -> None:
    """A line the installer edits that is no longer there fails the rendering loudly."""
    (tmp_path / "nginx").mkdir()
    installer = tmp_path / "install-debian.sh"
    shutil.copy(INSTALLER, installer)
    source = NGINX_CONF.read_text(encoding="utf-8")
    (tmp_path / "nginx" / "pypins.conf").write_text(
        source.replace("# ssl_certificate_key", "# ssl_key")
    )
    done = _print_nginx(DOMAIN, "/c.pem", "/k.pem", installer=installer)
    assert done.returncode != 0
    assert "ssl_certificate_key" in done.stderr


def test_installer_varnish_dropin_runs_the_vcl_on_the_loopback() -> None:
    """The drop-in replaces Debian's command line: 127.0.0.1:6081, the installed VCL."""
    done = subprocess.run(
        ["/bin/sh", str(INSTALLER), "--print-varnish"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    first, command = read_unit(done.stdout)["Service"]["ExecStart"]
    assert first == ""  # clears the packaged ExecStart= first
    arguments = shlex.split(command)
    assert arguments[arguments.index("-a") + 1] == "127.0.0.1:6081"
    assert arguments[arguments.index("-f") + 1] == "/etc/varnish/pypins.vcl"


def test_systemd_analyze_verifies_the_varnish_dropin(tmp_path: Path) -> None:
    """Debian's varnish.service with the installer's drop-in passes ``systemd-analyze verify``."""
    analyze = _systemd_analyze()
    packaged = next(
        (
            path
            for path in (
                Path("/lib/systemd/system/varnish.service"),
                Path("/usr/lib/systemd/system/varnish.service"),
            )
            if path.is_file()
        ),
        None,
    )
    if packaged is None:
        pytest.skip("Debian's varnish.service is not installed (apt-get install varnish)")
    shutil.copy(packaged, tmp_path / "varnish.service")
    (tmp_path / "varnish.service.d").mkdir()
    with (tmp_path / "varnish.service.d" / "pypins.conf").open("w") as dropin:
        subprocess.run(
            ["/bin/sh", str(INSTALLER), "--print-varnish"], stdout=dropin, timeout=30, check=True
        )
    done = subprocess.run(
        [analyze, "verify", str(tmp_path / "varnish.service")],
        env={"SYSTEMD_UNIT_PATH": f"{tmp_path}:", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


# The walkthrough's stack: nginx (TLS) -> Varnish -> pypins


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for DOMAIN and 127.0.0.1, and its key."""
    openssl = require_binary("openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={DOMAIN}",
            "-addext",
            f"subjectAltName=DNS:{DOMAIN},IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        capture_output=True,
        timeout=30,
        check=True,
    )
    return cert, key


@pytest.mark.redis
@pytest.mark.varnish
def test_walkthrough_stack_serves_badges_over_tls(
    unit_service: Service,
    varnishd: str,
    nginx_binary: str,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    """HTTPS through the installer's nginx to Varnish to pypins: cached once, no PURGE."""
    cert, key = certificate
    done = _print_nginx(DOMAIN, str(cert), str(key))
    assert done.returncode == 0, done.stderr
    tls_port = free_port()
    snippet = tmp_path / "nginx-pypins.conf"
    # The test harness points "server 127.0.0.1:8000;" and "listen 80;" at free ports;
    # the TLS listener is moved to another free loopback port here.
    snippet.write_text(
        done.stdout.replace("server 127.0.0.1:6081;", "server 127.0.0.1:8000;")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{tls_port} ssl http2;")
        .replace("listen [::]:443 ssl http2;", "")
    )
    context = ssl.create_default_context(cafile=str(cert))
    with (
        Varnish(backend_port=unit_service.port, varnishd=varnishd) as varnish,
        Nginx(snippet, backend_port=varnish.port, nginx=nginx_binary) as nginx,
        httpx.Client(
            base_url=f"https://127.0.0.1:{tls_port}",
            headers={"Host": DOMAIN},
            verify=context,
            timeout=10,
            trust_env=False,
        ) as client,
    ):
        first = client.get("/pypi/v/requests.svg")
        second = client.get("/pypi/v/requests.svg")
        purge = client.request("PURGE", "/pypi-package/requests")
        health = client.get("/healthz")
        direct = httpx.request("PURGE", varnish.url + "/pypi-package/requests", trust_env=False)
        log = nginx.output()
    assert (first.status_code, second.status_code) == (200, 200), log
    assert first.headers["content-type"].startswith("image/svg+xml")
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert "x-cache-status" not in second.headers  # nginx does not cache in front of Varnish
    assert purge.status_code == 403  # from the internet, PURGE stops at nginx...
    assert direct.status_code == 200  # ...while Varnish trusts its own host with it
    assert health.text == "ok\n"
