"""Run a real nginx with ``deploy/nginx/pypins.conf`` on a free loopback port.

::

    with Nginx(CONF, backend_port=8000, nginx=path) as proxy:
        httpx.get(proxy.url + "/pypi/v/requests.svg").headers["x-cache-status"]

``deploy/nginx/pypins.conf`` is an http-level snippet with working defaults for
operators. It is rendered by replacing exactly these values, each of which must occur
exactly once:

* ``server 127.0.0.1:8000;`` - the upstream, pointed at the backend's port;
* ``/var/cache/nginx/pypins`` - the cache directory, moved into a private prefix;
* ``listen 80;`` - a free loopback port; ``listen [::]:80;`` is dropped.

The rendered snippet is included from a minimal main configuration that keeps every
file nginx writes (pid, temp files, cache, access log) under the prefix, logs errors to
stderr and writes an access log with the cache status of each request. nginx runs in the
foreground (``daemon off;``) in a session of its own and is stopped by its PID:
SIGTERM, then, if it lingers, SIGKILL to that session (nginx and its workers only).
As root, workers stay root (``user root;``) so that they can use the private prefix;
the snippet shipped to operators leaves the ``user`` directive to the distribution.

Importable without pytest.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tests.support.process import LoggedProcess
from tests.support.service import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
#: The snippet shipped for operators.
CONF = ROOT / "deploy" / "nginx" / "pypins.conf"
UPSTREAM_LINE = "server 127.0.0.1:8000;"
CACHE_DIR = "/var/cache/nginx/pypins"
LISTEN_LINE = "listen 80;"
LISTEN6_LINE = "listen [::]:80;"

#: Fields of the harness's access log, tab-separated.
LOG_FORMAT = "$upstream_cache_status\t$upstream_addr\t$status\t$request_uri"

MAIN_CONF = """\
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{
    worker_connections 256;
}}
http {{
    log_format harness '{log_format}';
    access_log {prefix}/access.log harness;
    client_body_temp_path {prefix}/temp/body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    include {prefix}/pypins.conf;
}}
"""


class NginxError(RuntimeError):
    """nginx did not start, or did not come up in time."""


def render_conf(source: str, *, backend: str, cache_dir: str, port: int) -> str:
    """The snippet ``source`` pointed at ``backend`` (host:port), ``cache_dir`` and ``port``."""
    replacements = {
        UPSTREAM_LINE: f"server {backend};",
        CACHE_DIR: cache_dir,
        LISTEN_LINE: f"listen 127.0.0.1:{port};",
        LISTEN6_LINE: "",
    }
    for token, value in replacements.items():
        if source.count(token) != 1:
            raise NginxError(f"the nginx snippet must contain {token!r} exactly once")
        source = source.replace(token, value)
    return source


class Nginx(LoggedProcess):
    """One ``nginx -g 'daemon off;'`` process: ``start``, ``wait_ready``, ``stop``."""

    def __init__(
        self,
        conf: Path = CONF,
        *,
        backend_port: int,
        backend_host: str = "127.0.0.1",
        nginx: str = "/usr/sbin/nginx",
        start_timeout: float = 15.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.conf = conf
        self.backend = f"{backend_host}:{backend_port}"
        self.nginx = nginx
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.port = free_port()
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory(prefix="pypins-nginx-")
        self.prefix = Path(self._tmp.name)
        self.main_conf = self._render()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def _render(self) -> Path:
        (self.prefix / "temp").mkdir()
        snippet = render_conf(
            self.conf.read_text(encoding="utf-8"),
            backend=self.backend,
            cache_dir=str(self.prefix / "cache"),
            port=self.port,
        )
        (self.prefix / "pypins.conf").write_text(snippet, encoding="utf-8")
        main = self.prefix / "nginx.conf"
        main.write_text(
            MAIN_CONF.format(
                user="user root;\n" if os.geteuid() == 0 else "",
                prefix=self.prefix,
                log_format=LOG_FORMAT,
            ),
            encoding="utf-8",
        )
        return main

    def _command(self, *extra: str) -> list[str]:
        return [
            self.nginx,
            "-p",
            str(self.prefix),
            "-c",
            str(self.main_conf),
            "-e",
            "stderr",
            *extra,
        ]

    def test_config(self) -> subprocess.CompletedProcess[str]:
        """``nginx -t`` on the rendered configuration."""
        return subprocess.run(
            self._command("-t"), capture_output=True, text=True, timeout=30, check=False
        )

    def start(self) -> Nginx:
        """Start nginx in the foreground (not waiting for it); returns self."""
        if self.process is not None:
            raise NginxError("already started")
        self._spawn(self._command("-g", "daemon off;"))
        return self

    def access_log(self) -> list[list[str]]:
        """The access log so far: one ``[cache status, upstream, status, uri]`` per request."""
        path = self.prefix / "access.log"
        if not path.exists():
            return []
        return [line.split("\t") for line in path.read_text().splitlines() if line]

    def wait_ready(self, timeout: float | None = None) -> Nginx:
        """Wait until the pid file is written and the port accepts connections (bounded)."""
        if self.process is None:
            raise NginxError("not started")
        deadline = time.monotonic() + (self.start_timeout if timeout is None else timeout)
        while True:
            code = self.process.poll()
            if code is not None:
                raise NginxError(f"nginx exited with {code}:\n{self.output()}")
            if (self.prefix / "nginx.pid").exists() and self._accepts():
                return self
            if time.monotonic() > deadline:
                raise NginxError(f"nginx was not ready in time:\n{self.output()}")
            time.sleep(0.05)

    def _accepts(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
            return True
        return False

    def stop(self) -> int | None:
        """Terminate nginx (then kill it if it lingers); its exit code."""
        try:
            return self._terminate()
        finally:
            self.process = None

    def close(self) -> None:
        """Stop nginx and remove its prefix."""
        self.stop()
        self._tmp.cleanup()

    def __enter__(self) -> Nginx:
        self.start()
        try:
            return self.wait_ready()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
