"""``AccessLog``: JSON lines, buffering, several writers, rotation, failures, stdout."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from pypins.config import ServiceConfig
from pypins.web import accesslog
from pypins.web.accesslog import AccessLog, _pieces
from tests.support.clock import FakeClock

#: 2027-01-15 08:00:00.045 UTC.
NOW = 1_800_000_000.045


@pytest.fixture
def clock() -> FakeClock:
    """A wall clock at ``NOW``."""
    return FakeClock(NOW)


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    """Where the access log goes."""
    return tmp_path / "access.log"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _write(log: AccessLog, path: str = "/pypi/v/requests.svg", **options: Any) -> None:
    log.write("GET", path, "v", "requests", 200, "hit", 0.000412, **options)


def test_a_line_has_every_field(log_path: Path, clock: FakeClock) -> None:
    """One JSON object per request, with the documented fields in order."""
    log = AccessLog(str(log_path), clock=clock)
    _write(log)
    log.write("GET", "/nope", None, None, 404, None, 0.0000009)
    log.flush()
    text = log_path.read_text()
    assert text.splitlines()[0] == (
        '{"time":"2027-01-15T08:00:00.045Z","method":"GET","path":"/pypi/v/requests.svg",'
        '"kind":"v","package":"requests","status":200,"cache":"hit","duration_ms":0.412}'
    )
    assert _lines(log_path)[1] == {
        "time": "2027-01-15T08:00:00.045Z",
        "method": "GET",
        "path": "/nope",
        "kind": None,
        "package": None,
        "status": 404,
        "cache": None,
        "duration_ms": 0.001,
    }
    assert log.lines == 2
    log.close()


@pytest.mark.parametrize(
    ("query", "path"),
    [
        (b"", "/pypi/v/requests.svg"),
        (b"style=flat&label=%C3%A9", "/pypi/v/requests.svg?style=flat&label=%C3%A9"),
        ("style=flat", "/pypi/v/requests.svg?style=flat"),
    ],
)
def test_the_query_is_part_of_the_path(log_path: Path, query: bytes | str, path: str) -> None:
    """A query string is appended after ``?``; none leaves the path alone."""
    log = AccessLog(str(log_path))
    _write(log, query=query)
    log.close()
    assert _lines(log_path)[0]["path"] == path


@pytest.mark.parametrize(
    ("offset", "stamp"),
    [
        (0.0, "2027-01-15T08:00:00.045Z"),
        (0.954, "2027-01-15T08:00:00.999Z"),
        (0.955, "2027-01-15T08:00:01.000Z"),
        (86_400.0, "2027-01-16T08:00:00.045Z"),
    ],
)
def test_times_are_utc_with_milliseconds(
    log_path: Path, clock: FakeClock, offset: float, stamp: str
) -> None:
    """The time is ISO 8601 in UTC, to the millisecond, across seconds and days."""
    log = AccessLog(str(log_path), clock=clock)
    _write(log)
    clock.advance(offset)
    _write(log)
    log.close()
    assert [line["time"] for line in _lines(log_path)] == ["2027-01-15T08:00:00.045Z", stamp]


def test_lines_wait_in_memory_until_flush_or_a_full_buffer(log_path: Path) -> None:
    """Nothing is written before ``flush``, unless the buffer fills."""
    log = AccessLog(str(log_path), buffer_bytes=1000)
    _write(log)
    assert not log_path.exists()
    log.flush()
    assert len(_lines(log_path)) == 1
    log.flush()  # nothing new: nothing written
    for _ in range(10):  # about 160 bytes each: the buffer fills at the 7th
        _write(log)
    assert len(_lines(log_path)) == 8
    log.close()
    assert len(_lines(log_path)) == 11


def test_two_writers_share_one_file(log_path: Path) -> None:
    """Two processes' logs append to the same file; no line is lost or cut."""
    first, second = AccessLog(str(log_path)), AccessLog(str(log_path))
    for number in range(300):
        _write(first if number % 2 else second, f"/pypi/v/p{number}.svg")
        if number % 7 == 0:
            (first if number % 3 else second).flush()
    first.close()
    second.close()
    paths = sorted(line["path"] for line in _lines(log_path))
    assert paths == sorted(f"/pypi/v/p{number}.svg" for number in range(300))


def test_a_moved_file_is_reopened(log_path: Path) -> None:
    """After logrotate moves the file, the next flush writes to a new file at the path."""
    log = AccessLog(str(log_path))
    _write(log, "/before")
    log.flush()
    log_path.rename(log_path.with_suffix(".1"))
    _write(log, "/after")
    log.flush()
    log_path.unlink()
    _write(log, "/deleted")
    log.close()
    assert [line["path"] for line in _lines(log_path.with_suffix(".1"))] == ["/before"]
    assert [line["path"] for line in _lines(log_path)] == ["/deleted"]


def test_a_failing_target_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An unwritable target is counted and logged once; its lines are written when it works."""
    target = tmp_path / "missing" / "access.log"
    log = AccessLog(str(target))
    with caplog.at_level(logging.WARNING, logger="pypins.web.accesslog"):
        _write(log, "/one")
        log.flush()
        _write(log, "/two")
        log.flush()
    assert log.errors == 2
    assert "No such file or directory" in (log.last_error or "")
    assert len(caplog.records) == 1
    target.parent.mkdir()
    _write(log, "/three")
    log.flush()
    assert [line["path"] for line in _lines(target)] == ["/one", "/two", "/three"]
    assert (log.lines, log.dropped) == (3, 0)
    log.close()


def test_lines_are_dropped_beyond_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While writes fail, at most ``_MAX_BUFFER`` bytes wait; older lines are dropped."""
    monkeypatch.setattr(accesslog, "_MAX_BUFFER", 400)
    log = AccessLog(str(tmp_path / "missing" / "access.log"))
    for _ in range(3):
        _write(log)
        _write(log)
        log.flush()
    assert log.dropped == 4
    log.close()  # the last write fails too: its lines are lost
    assert log.dropped == 6


def test_close_flushes_and_ends_writing(log_path: Path) -> None:
    """``close`` writes what is buffered; later writes are ignored; closing twice is harmless."""
    log = AccessLog(str(log_path))
    _write(log)
    log.close()
    _write(log)
    log.flush()
    log.close()
    assert len(_lines(log_path)) == 1


def test_an_unencodable_path_is_repaired(log_path: Path) -> None:
    """A path with a lone surrogate (undecodable bytes) is written with ``?`` in its place."""
    log = AccessLog(str(log_path))
    _write(log, "/pypi/v/\udcff.svg")
    log.close()
    assert _lines(log_path)[0]["path"] == "/pypi/v/?.svg"


def test_standard_output(capfd: pytest.CaptureFixture[str]) -> None:
    """``-`` writes the lines to standard output, after what was printed before."""
    log = AccessLog("-")
    print("before", flush=False)  # noqa: T201
    _write(log)
    log.close()
    lines = capfd.readouterr().out.splitlines()
    assert lines[0] == "before"
    assert json.loads(lines[1])["path"] == "/pypi/v/requests.svg"


def test_standard_output_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    """A replaced ``sys.stdout`` with no file descriptor still gets the lines."""
    log = AccessLog("-")
    _write(log)
    log.close()
    assert json.loads(capsys.readouterr().out)["status"] == 200


@pytest.mark.parametrize(
    ("data", "size", "pieces"),
    [
        (b"a\nb\nc\n", 100, [b"a\nb\nc\n"]),
        (b"aa\nbb\ncc\n", 6, [b"aa\nbb\n", b"cc\n"]),
        (b"aa\nbbbbbbbb\ncc\n", 6, [b"aa\n", b"bbbbbbbb\n", b"cc\n"]),
        (b"aaaaaaaa\n", 4, [b"aaaaaaaa\n"]),
        (b"aaaaaaaa", 4, [b"aaaaaaaa"]),
    ],
)
def test_pieces_follow_line_ends(data: bytes, size: int, pieces: list[bytes]) -> None:
    """Output is cut after newlines into pieces of at most ``size`` bytes when it can be."""
    assert _pieces(data, size) == pieces


@pytest.mark.parametrize(("target", "made"), [(None, False), ("-", True), ("/tmp/a.log", True)])
def test_from_config(target: str | None, made: bool) -> None:
    """The configuration's ``access_log`` makes a log, or none when unset."""
    log = AccessLog.from_config(ServiceConfig(access_log=target))
    assert (log is not None) == made
    assert log is None or log.target == target


def test_writes_go_through_os_write_once_per_flush(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flush of many lines is one write call (whole lines, never interleaved)."""
    calls: list[int] = []
    real_write = os.write

    def counting_write(fd: int, data: bytes | memoryview) -> int:
        calls.append(len(data))
        return real_write(fd, data)

    monkeypatch.setattr(accesslog.os, "write", counting_write)
    log = AccessLog(str(log_path))
    for _ in range(50):
        _write(log)
    log.close()
    assert len(calls) == 1
    assert calls[0] == log_path.stat().st_size
