"""``AccessLog``: one JSON line per request, buffered, to a file or standard output.

```python
access_log = AccessLog.from_config(config)   # None when config.access_log is None
access_log.write("GET", "/pypi/v/requests.svg", "v", "requests", 200, "hit", 0.0004)
access_log.flush()                           # every second; close() at shutdown
```

A line is ``{"time": "2024-05-01T12:00:00.123Z", "method": "GET", "path":
"/pypi/v/requests.svg?style=flat", "kind": "v", "package": "requests", "status": 200,
"cache": "hit", "duration_ms": 0.4}``: serialised by orjson into a memory buffer, which
is written when it holds ``buffer_bytes`` or on :meth:`AccessLog.flush`. Each buffer is
written with ``os.write`` on a file opened with ``O_APPEND``, so that the lines of
several worker processes sharing the file never interleave (on standard output, which
may be a pipe, in line-aligned pieces of at most ``PIPE_BUF`` bytes, which pipes keep
whole). The file is reopened when it was moved or deleted (logrotate without
``copytruncate``). Nothing here raises into a request: a write that fails is counted in
``errors``, logged once, and tried again at the next flush with the lines buffered
since, up to 4 MiB; beyond that the older lines are dropped and counted in ``dropped``.
``pypins top --log`` reads these lines back (:mod:`pypins.stats.logs`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

import orjson

from pypins.config import ServiceConfig

__all__ = ["STDOUT", "AccessLog"]

log = logging.getLogger(__name__)

#: The ``access_log`` target that means standard output.
STDOUT: Final = "-"
#: Bytes buffered before a write, whatever the flush timer says.
BUFFER_BYTES: Final = 64 * 1024
#: Bytes buffered at most while writes fail; older lines are dropped beyond.
_MAX_BUFFER: Final = 4 * 1024 * 1024
#: ``"000Z"`` to ``"999Z"``: the end of a timestamp, by millisecond.
_MILLISECONDS: Final = tuple(f"{fraction:03d}Z" for fraction in range(1000))


class AccessLog:
    """A JSON-lines access log that never raises into a request."""

    def __init__(
        self,
        target: str,
        *,
        buffer_bytes: int = BUFFER_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.target = target
        self.buffer_bytes = buffer_bytes
        self.clock = clock
        #: Lines written so far.
        self.lines = 0
        #: Lines lost because writing failed.
        self.dropped = 0
        #: Failed writes (or opens) so far.
        self.errors = 0
        #: The latest failure.
        self.last_error: str | None = None
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._pending_lines = 0
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None
        self._second = -1
        self._second_text = ""
        self._logged = False
        self._closed = False

    @classmethod
    def from_config(cls, config: ServiceConfig) -> AccessLog | None:
        """The access log ``config.access_log`` asks for, or None when it is off."""
        return None if config.access_log is None else cls(config.access_log)

    def _timestamp(self, now: float) -> str:
        """``now`` as ISO 8601 UTC with milliseconds; the date part is formatted once a second."""
        milliseconds = int(now * 1000)
        second, fraction = divmod(milliseconds, 1000)
        if second != self._second:
            self._second = second
            moment = datetime.fromtimestamp(second, UTC)
            self._second_text = moment.strftime("%Y-%m-%dT%H:%M:%S.")
        return self._second_text + _MILLISECONDS[fraction]

    def write(  # noqa: PLR0917 - one positional call per request, in the line's order
        self,
        method: str,
        path: str,
        kind: str | None,
        package: str | None,
        status: int,
        cache: str | None,
        duration: float,
        *,
        query: bytes | str = b"",
    ) -> None:
        """Buffer the line of one request; ``duration`` in seconds, ``query`` without ``?``."""
        if self._closed:
            return
        if query:
            text = query.decode("latin-1") if isinstance(query, bytes) else query
            path = f"{path}?{text}"
        record = {
            "time": self._timestamp(self.clock()),
            "method": method,
            "path": path,
            "kind": kind,
            "package": package,
            "status": status,
            "cache": cache,
            "duration_ms": round(duration * 1000, 3),
        }
        try:
            line = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
        except TypeError:  # orjson.JSONEncodeError: a lone surrogate in a decoded path
            line = orjson.dumps(
                {name: _printable(value) for name, value in record.items()},
                option=orjson.OPT_APPEND_NEWLINE,
            )
        self._chunks.append(line)
        self._buffered += len(line)
        self._pending_lines += 1
        if self._buffered >= self.buffer_bytes:
            self.flush()

    def flush(self) -> None:
        """Write the buffered lines (one ``os.write`` for all of them, in the common case)."""
        if not self._chunks:
            return
        data = b"".join(self._chunks)
        lines = self._pending_lines
        self._chunks.clear()
        self._buffered = 0
        self._pending_lines = 0
        try:
            if self.target == STDOUT:
                _write_stdout(data)
            else:
                _write_all(self._descriptor(), data)
        except OSError as error:
            self._failed(error, data, lines)
            return
        self.lines += lines

    def _descriptor(self) -> int:
        """The file's descriptor, (re)opened if the path is not our file any more."""
        try:
            status = os.stat(self.target)
        except FileNotFoundError:
            status = None
        current = None if status is None else (status.st_dev, status.st_ino)
        if self._fd is not None and current != self._identity:
            self._close_fd()
        if self._fd is None:
            self._fd = os.open(self.target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            opened = os.fstat(self._fd)
            self._identity = (opened.st_dev, opened.st_ino)
        return self._fd

    def _failed(self, error: OSError, data: bytes, lines: int) -> None:
        self.errors += 1
        self.last_error = f"{type(error).__name__}: {error}"
        if not self._logged:
            self._logged = True
            log.warning(
                "access log %s cannot be written (lines are dropped): %s", self.target, error
            )
        # Keep the lines for the next try, unless that lets the buffer grow without bound.
        if len(data) + self._buffered <= _MAX_BUFFER and not self._closed:
            self._chunks.insert(0, data)
            self._buffered += len(data)
            self._pending_lines += lines
        else:
            self.dropped += lines

    def _close_fd(self) -> None:
        fd, self._fd, self._identity = self._fd, None, None
        if fd is not None:
            with contextlib.suppress(OSError):  # EIO from a network filesystem: nothing to do
                os.close(fd)

    def close(self) -> None:
        """Write what is buffered and close the file; later writes are ignored."""
        if self._closed:
            return
        self._closed = True
        self.flush()  # lines it cannot write now are dropped (and counted)
        self._close_fd()


def _printable(value: object) -> object:
    """``value``, with the characters UTF-8 cannot encode (lone surrogates) as ``?``."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until all of ``data`` is written."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _pieces(data: bytes, size: int) -> list[bytes]:
    """``data`` cut after newlines into pieces of at most ``size`` bytes (a longer line
    is a piece of its own)."""
    pieces: list[bytes] = []
    start = 0
    while len(data) - start > size:
        end = data.rfind(b"\n", start, start + size) + 1
        if end <= start:  # one line longer than size
            end = data.find(b"\n", start) + 1 or len(data)
        pieces.append(data[start:end])
        start = end
    if start < len(data):
        pieces.append(data[start:])
    return pieces


def _write_stdout(data: bytes) -> None:
    """Write to standard output, in pieces that a pipe shared by workers keeps whole."""
    stream = sys.stdout
    stream.flush()  # keep the order of anything printed through sys.stdout
    try:
        fd = stream.fileno()
    except (AttributeError, ValueError, OSError):  # replaced by a stream without a file
        stream.buffer.write(data)
        stream.flush()
        return
    for piece in _pieces(data, select.PIPE_BUF):
        _write_all(fd, piece)
