"""Run a real ``varnishd`` with ``deploy/varnish/pypins.vcl`` on a free loopback port.

::

    with Varnish(VCL, backend_port=8000, varnishd=path) as varnish:
        httpx.get(varnish.url + "/pypi/v/requests.svg")
        varnish.adm("ban.list")

The VCL is rendered by replacing the backend's ``.host = "127.0.0.1";`` and
``.port = "8000";`` (each must occur exactly once) and written to a private working
directory (``-n``) that also holds varnishd's shared memory and CLI secret. varnishd
runs in the foreground (``-F``) without privilege separation (``-j none``), so it works
as root or not, in a session of its own, and is stopped by its PID: SIGTERM, then, if
it lingers, SIGKILL to that session (the manager and its child only).

Importable without pytest.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from tests.support.process import LoggedProcess
from tests.support.service import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
#: The VCL shipped for operators.
VCL = ROOT / "deploy" / "varnish" / "pypins.vcl"
HOST_LINE = '.host = "127.0.0.1";'
PORT_LINE = '.port = "8000";'


class VarnishError(RuntimeError):
    """varnishd did not start, or did not come up in time."""


def render_vcl(source: str, backend_host: str, backend_port: int) -> str:
    """The VCL ``source`` with its backend pointed at ``backend_host:backend_port``."""
    for line in (HOST_LINE, PORT_LINE):
        if source.count(line) != 1:
            raise VarnishError(f"the VCL must contain {line!r} exactly once")
    return source.replace(HOST_LINE, f'.host = "{backend_host}";').replace(
        PORT_LINE, f'.port = "{backend_port}";'
    )


class Varnish(LoggedProcess):
    """One ``varnishd -F`` process: ``start``, ``wait_ready``, ``adm``, ``stop``."""

    def __init__(
        self,
        vcl: Path = VCL,
        *,
        backend_port: int,
        backend_host: str = "127.0.0.1",
        varnishd: str = "/usr/sbin/varnishd",
        varnishadm: str | None = None,
        params: Sequence[str] = (),
        start_timeout: float = 20.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.vcl = vcl
        self.backend_host = backend_host
        self.backend_port = backend_port
        self.varnishd = varnishd
        self.varnishadm = varnishadm or shutil.which("varnishadm") or "/usr/bin/varnishadm"
        self.params = list(params)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.port = free_port()
        self.workdir: Path | None = None
        super().__init__()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def render(self, directory: Path) -> Path:
        """Write the rendered VCL into ``directory``; its path."""
        rendered = directory / "pypins.vcl"
        text = render_vcl(
            self.vcl.read_text(encoding="utf-8"), self.backend_host, self.backend_port
        )
        rendered.write_text(text, encoding="utf-8")
        return rendered

    def start(self) -> Varnish:
        """Start varnishd (not waiting for it); returns self."""
        if self.process is not None:
            raise VarnishError("already started")
        self._tmp = tempfile.TemporaryDirectory(prefix="pypins-varnish-")
        tmp = Path(self._tmp.name)
        rendered = self.render(tmp)
        self.workdir = tmp / "work"
        command = [
            self.varnishd,
            "-F",
            "-j",
            "none",
            "-n",
            str(self.workdir),
            "-a",
            f"127.0.0.1:{self.port}",
            "-T",
            f"127.0.0.1:{free_port()}",
            "-f",
            str(rendered),
            "-s",
            "malloc,32m",
            # Fewer threads than the defaults (2 pools of 100): quicker start, less memory.
            "-p",
            "thread_pools=1",
            "-p",
            "thread_pool_min=10",
            *self.params,
        ]
        self._spawn(command)
        return self

    def adm(self, *args: str, check: bool = True) -> str:
        """Run a ``varnishadm`` command against this instance; its output."""
        if self.workdir is None:
            raise VarnishError("not started")
        done = subprocess.run(
            [self.varnishadm, "-n", str(self.workdir), "-t", "5", *args],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
        if check and done.returncode != 0:
            raise VarnishError(f"varnishadm {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def wait_ready(self, timeout: float | None = None) -> Varnish:
        """Wait until the child runs and the port accepts connections (bounded)."""
        if self.process is None:
            raise VarnishError("not started")
        deadline = time.monotonic() + (self.start_timeout if timeout is None else timeout)
        while True:
            code = self.process.poll()
            if code is not None:
                raise VarnishError(f"varnishd exited with {code}:\n{self.output()}")
            if self.workdir is not None and (self.workdir / "_.secret").exists():
                with contextlib.suppress(subprocess.TimeoutExpired, VarnishError):
                    if "running" in self.adm("status", check=False) and self._accepts():
                        return self
            if time.monotonic() > deadline:
                raise VarnishError(f"varnishd was not ready in time:\n{self.output()}")
            time.sleep(0.1)

    def _accepts(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
            return True
        return False

    def stop(self) -> int | None:
        """Terminate varnishd (then kill it if it lingers); its exit code."""
        try:
            return self._terminate()
        finally:
            self.process = None
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    def __enter__(self) -> Varnish:
        self.start()
        try:
            return self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
