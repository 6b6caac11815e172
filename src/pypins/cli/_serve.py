"""``pypins serve``: run the badge service on uvicorn, with pypins' HTTP protocol."""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
from collections.abc import Callable

import click
import uvicorn
from click.core import ParameterSource
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from pypins.cli import setting_option
from pypins.config import SETTINGS, ConfigError, ServiceConfig

#: prometheus-client's multiprocess directory variable (read by the workers).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


#: The settings ``pypins serve`` has flags for; the others are environment variables only.
FLAGGED = tuple(setting for setting in SETTINGS.values() if setting.flag)


def _with_flags(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with an option for each flagged setting, in declaration order."""
    for setting in reversed(FLAGGED):
        command = setting_option(setting)(command)
    return command


@click.command()
@_with_flags
@click.pass_context
def serve(ctx: click.Context, /, **flags: str | tuple[str, ...] | None) -> None:
    """Serve PyPI badges over HTTP.

    Every setting is a PYPINS_* environment variable (see docs/operations.md); those
    below are flags too, which win over their variables.
    """
    # The flags given are written over their variables, then the environment is read
    # as one: one conversion, one validation, errors naming the variable and the flag.
    environ = dict(os.environ)
    for name, value in flags.items():
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            setting = SETTINGS[name]
            environ[setting.env] = value if isinstance(value, str) else setting.text(value)
    try:
        config = ServiceConfig.from_env(environ)
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
#: The open-files limit asked for when the hard limit is unlimited (Linux's default
#: ``fs.nr_open``).
OPEN_FILES_UNLIMITED = 1024 * 1024


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
    raise_open_files_limit()
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


def raise_open_files_limit() -> int:
    """Raise this process's open-files limit to its hard limit, for the workers it
    starts (each derives its connection cap from it); the limit now in force.

    Debian's default soft limit, 1024, would leave a worker room for a few hundred
    connections; the hard limit is what the administrator allows (systemd's unit file
    sets it, ``LimitNOFILE=``). An unlimited hard limit is not taken literally: the
    kernel refuses more than ``fs.nr_open``.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES_UNLIMITED if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            return soft
        return wanted
    return soft


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
