"""What the harnesses of real servers (pypins, nginx, varnishd) share.

Each server runs in a session of its own with its output captured in a temporary
file, and is stopped by the PID we started: SIGTERM, then, if it lingers, SIGKILL to
that session (the server and its workers, nothing else).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from typing import IO


class LoggedProcess:
    """A subprocess we started, its output kept in a temporary file."""

    stop_timeout: float = 10.0

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def _spawn(self, command: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        """Start ``command`` in a new session, stdout and stderr to the log."""
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _terminate()
        self.process = subprocess.Popen(
            list(command),
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        """What the process wrote so far."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def _terminate(self) -> int | None:
        """Stop the process (SIGTERM, then SIGKILL its session); its exit code."""
        process = self.process
        try:
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    # Not yet reaped, so the session is still the one started here.
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=self.stop_timeout)
            return None if process is None else process.returncode
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None
