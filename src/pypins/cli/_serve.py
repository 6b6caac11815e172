"""``pypins serve``: run the badge service on uvicorn, with pypins' HTTP protocol."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

import click
import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from pypins import settings
from pypins.config import ENV_PREFIX, LOG_LEVELS, ConfigError, ServiceConfig

#: prometheus-client's multiprocess directory variable (read by the workers).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@click.command()
@click.option("--host", envvar="PYPINS_HOST", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="PYPINS_PORT", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    envvar="PYPINS_WORKERS",
    default=1,
    show_default=True,
    type=int,
    help="Worker processes sharing the port.",
)
@click.option(
    "--pypi-url",
    envvar="PYPINS_PYPI_URL",
    default=settings.DEFAULT_PYPI_URL,
    show_default=True,
    help="Base of the PyPI JSON API.",
)
@click.option(
    "--stats-url",
    envvar="PYPINS_STATS_URL",
    default=settings.DEFAULT_STATS_URL,
    show_default=True,
    help="Base of the download-stats API (pypistats.org).",
)
@click.option(
    "--updates-url",
    envvar="PYPINS_UPDATES_URL",
    default=settings.DEFAULT_LATEST_UPDATES_URL,
    show_default=True,
    help="PyPI's RSS feed of the latest releases.",
)
@click.option(
    "--redis-url",
    envvar="PYPINS_REDIS_URL",
    default=None,
    help="Shared Redis cache, e.g. redis://127.0.0.1:6379/0 (optional).",
)
@click.option(
    "--cache-ttl",
    envvar="PYPINS_CACHE_TTL",
    default=settings.DEFAULT_CACHE_TTL,
    show_default=True,
    type=int,
    help="Seconds a package record stays fresh.",
)
@click.option(
    "--grace",
    envvar="PYPINS_GRACE",
    default=settings.DEFAULT_GRACE,
    show_default=True,
    type=int,
    help="Seconds a stale record may be served when PyPI is slow or down.",
)
@click.option(
    "--allowed-registry",
    "allowed_registries",
    envvar="PYPINS_ALLOWED_REGISTRIES",
    multiple=True,
    help="A base URL allowed as ?pypiBaseUrl= (repeatable).",
)
@click.option(
    "--metrics-bind",
    envvar="PYPINS_METRICS_BIND",
    default="",
    help="host:port of a separate /metrics listener (default: /metrics on the main port).",
)
@click.option(
    "--access-log",
    envvar="PYPINS_ACCESS_LOG",
    default=None,
    help="File for one JSON line per request ('-' for standard output; default: off).",
)
@click.option(
    "--log-level",
    envvar="PYPINS_LOG_LEVEL",
    default="info",
    show_default=True,
    type=click.Choice(LOG_LEVELS),
)
def serve(**options: Any) -> None:
    """Serve PyPI badges over HTTP."""
    registries: list[str] = []
    for value in options.pop("allowed_registries"):
        registries.extend(part.strip() for part in value.split(",") if part.strip())
    # Click already read the flags' own variables (a flag wins over its variable), so
    # only the settings without a flag are taken from the environment here.
    flagged = {ENV_PREFIX + name.upper() for name in (*options, "allowed_registries")}
    environ = {name: value for name, value in os.environ.items() if name not in flagged}
    try:
        config = ServiceConfig.from_env(environ).replace(
            allowed_registries=tuple(registries), **options
        )
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    run(config)


#: Seconds a stopping worker gives the requests in flight (pypins waits up to 10 s for
#: PyPI by default); well inside the 30 s the supervisor and systemd files allow.
GRACEFUL_SHUTDOWN = 15
#: Seconds an idle keep-alive connection stays open: longer than nginx and Varnish keep
#: an idle upstream connection (60 s), so that they close it first and never reuse one
#: pypins is closing.
KEEP_ALIVE = 75


def run(config: ServiceConfig) -> None:
    """Start uvicorn with ``config``; workers rebuild it from the environment.

    uvicorn runs pypins' own HTTP protocol (:mod:`pypins.web.protocol`: cached badges
    answered in the parser callback) on uvloop, in worker processes its supervisor
    starts on one shared socket. It replaces a worker that dies or stops answering its
    health check; a worker that fails to start stops the whole server (exit status 3).

    The workers' metrics meet in a fresh multiprocess directory (removed on exit when
    pypins made it); with ``metrics_bind``, this process serves their sum there.
    """
    os.environ.update(config.to_env())
    path, made = prepare_multiprocess_dir()
    try:
        if config.metrics_bind:
            # Imported only now: prometheus-client chooses its multiprocess mode when it
            # is first imported, which must be after the directory is set.
            from pypins.metrics import serve_exposition  # noqa: PLC0415

            serve_exposition(config.metrics_bind, path)
        server = uvicorn.Config(
            "pypins.web.asgi:create_app",
            factory=True,
            host=config.host,
            port=config.port,
            workers=config.workers,
            loop="uvloop",
            # By name: imported with the app, after the metrics directory is set.
            http="pypins.web.protocol:PypinsProtocol",
            ws="none",
            lifespan="on",
            log_level=config.log_level,
            # pypins writes its own access log (--access-log); its app sees the peer's
            # address unchanged, and does not advertise the server.
            access_log=False,
            proxy_headers=False,
            server_header=False,
            timeout_keep_alive=KEEP_ALIVE,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
        )
        # Always supervised, one worker or more: a worker that dies or hangs is
        # replaced, and the process shape is the same whatever the count.
        supervisor = Multiprocess(server, sockets=[server.bind_socket()])
        supervisor.run()
        if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
            raise SystemExit(STARTUP_FAILURE)
    finally:
        if made:
            shutil.rmtree(path, ignore_errors=True)


def prepare_multiprocess_dir() -> tuple[str, bool]:
    """Point ``PROMETHEUS_MULTIPROC_DIR`` at an empty directory before workers start.

    An operator's own directory (already set) is emptied; otherwise a temporary one is
    made. The path, and whether it was made here.
    """
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, exist_ok=True)
        return path, False
    path = tempfile.mkdtemp(prefix="pypins-metrics-")
    os.environ[MULTIPROC_ENV] = path
    return path, True
