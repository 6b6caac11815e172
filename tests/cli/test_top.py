"""``pypins top``: from generated access logs with known counts, and from the stores."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from pypins.cache.redis_store import RedisStore
from pypins.cli import _top, main
from pypins.stats import RedisUsageStore, SQLiteUsageStore, UsageRecorder
from tests.stats.logfiles import GARBAGE, NOISE, json_line, nginx_line, write_log
from tests.support.redis import PATIENT_TIMEOUT, RedisServer


def _run(*args: str, **env: str) -> Result:
    return CliRunner().invoke(main, ["top", *args], env={"PYPINS_REDIS_URL": "", **env})


@pytest.fixture
def now() -> datetime:
    """The current time: log lines and stored counts are dated relative to it."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def logs(tmp_path: Path, now: datetime) -> list[Path]:
    """Three logs with known counts: nginx, pypins' JSON lines, and a gzip-compressed nginx log.

    Over every day: requests/v 8, numpy/pyversions 7, click/dm 5, django/pypip.in/v 2,
    six/l 1. Ten days ago there are one requests/v and one click/dm of them.
    """
    old = now - timedelta(days=10)
    nginx = [nginx_line("/pypi/v/Requests.svg", now)] * 3
    nginx += [nginx_line("/pypi/v/requests.svg?style=flat", now, status=304)] * 2
    nginx += [nginx_line("/pypi/pyversions/numpy.svg", now)] * 3
    nginx += [nginx_line("/v/Django/badge.svg", now)] * 2
    nginx += [
        nginx_line(target, now, method=method, status=status) for method, target, status in NOISE
    ]
    nginx += ["garbage\n", "\n", "another garbage line\n"]
    pypins = [json_line("/pypi/v/requests.svg", now, cache="hit")] * 2
    pypins += [json_line("/pypi/pyversions/NumPy.png", now, cache="miss")]
    pypins += [json_line("/pypi/dm/click.svg", now, cache="hit")] * 4
    pypins += [json_line("/pypi/dm/click.svg", old, cache="stale")]
    pypins += [json_line("/pypi/v/requests.svg", now, status=404, cache=None)]
    rotated = [nginx_line("/pypi/pyversions/numpy", now)] * 3
    rotated += [nginx_line("/pypi/l/six.svg", now), nginx_line("/pypi/v/requests.svg", old)]
    rotated += [line + "\n" for line in GARBAGE[2:4]]
    return [
        write_log(tmp_path / "access.log", nginx),
        write_log(tmp_path / "pypins.log", pypins),
        write_log(tmp_path / "access.log.2.gz", rotated),
    ]


def test_top_of_logs_is_exact(logs: list[Path], now: datetime) -> None:
    """The table of three logs (nginx, JSON, .gz) with noise and garbage has the known counts."""
    result = _run("--log", *map(str, logs))
    assert result.exit_code == 0, result.output
    today = now.date()
    assert result.stdout.splitlines() == [
        f"Most-requested badges in the logs, {today - timedelta(days=10)} to {today} "
        "(11 days, UTC)",
        "rank  package   badge       requests",
        "   1  requests  v                  8",
        "   2  numpy     pyversions         7",
        "   3  click     dm                 5",
        "   4  django    pypip.in/v         2",
        "   5  six       l                  1",
        "23 badge requests (5 different badges); cache hit ratio 75.0% (hit 6, stale 1, miss 1)",
        f"{28 + len(NOISE)} lines in 3 files: 23 badge requests, "
        f"{len(NOISE) + 1} other requests, 4 not understood",
    ]
    assert result.stderr == (
        f"pypins: 4 lines not understood; the first, {logs[0]} line {10 + len(NOISE) + 1}: "
        "garbage\n"
    )


def test_top_of_logs_over_days_with_a_limit(logs: list[Path], now: datetime) -> None:
    """``--days 3`` leaves out the older lines; ``--limit`` cuts the table, ties by name."""
    result = _run("--log", "--days", "3", "--limit", "2", "--no-progress", *map(str, logs))
    assert result.exit_code == 0, result.output
    today = now.date()
    assert result.stdout.splitlines()[:4] == [
        f"Most-requested badges in the logs, {today - timedelta(days=2)} to {today} (3 days, UTC)",
        "rank  package   badge       requests",
        "   1  numpy     pyversions         7",
        "   2  requests  v                  7",
    ]
    assert result.stdout.splitlines()[4].startswith("21 badge requests (5 different badges);")


def test_top_of_logs_as_json(logs: list[Path]) -> None:
    """``--json`` prints the report and what was read."""
    result = _run("--log", "--json", *map(str, logs))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(row["package"], row["requests"]) for row in data["top"]] == [
        ("requests", 8),
        ("numpy", 7),
        ("click", 5),
        ("django", 2),
        ("six", 1),
    ]
    assert (data["total"], data["distinct"], data["source"]) == (23, 5, "logs")
    assert data["logs"] == {
        "files": 3,
        "lines": 28 + len(NOISE),
        "counted": 23,
        "skipped": len(NOISE) + 1,
        "unparseable": 4,
        "failures": [],
    }


def test_a_truncated_log_is_reported_after_the_table(tmp_path: Path, now: datetime) -> None:
    """A .gz cut short still gives a table, then the failure on stderr and status 1."""
    data = gzip.compress(nginx_line("/pypi/v/requests.svg", now).encode() * 5000)
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(data[: len(data) // 2])
    result = _run("--log", str(cut))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[2].startswith("   1  requests  v")
    assert result.stderr.startswith(f"pypins: {cut}: after line ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["some.log"], "FILES are read with --log"),
        (["--log"], "--log needs at least one FILE"),
        (["--log", "missing.log"], "does not exist"),
        (["--days", "0"], "0 is not in the range"),
        (["--limit", "1001"], "1001 is not in the range"),
        (["--usage-db", "off"], "request counting is off"),
        (
            ["--redis-url", "http://127.0.0.1:6379"],
            "PYPINS_REDIS_URL (--redis-url): expected redis://",
        ),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    """Wrong combinations and values are usage errors (status 2)."""
    if args == ["some.log"]:
        args = [str(write_log(tmp_path / "some.log", []))]
    result = _run(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_logs_without_badges(tmp_path: Path, now: datetime) -> None:
    """Logs with no badge request give an empty table, not an error."""
    log = write_log(tmp_path / "a.log", [nginx_line("/", now), "garbage\n"])
    result = _run("--log", str(log))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "No badge requests counted.",
        "0 badge requests (0 different badges)",
        "2 lines in 1 file: 0 badge requests, 1 other request, 1 not understood",
    ]
    assert result.stderr == f"pypins: 1 line not understood; the first, {log} line 2: garbage\n"


def test_standard_input(now: datetime) -> None:
    """``--log -`` reads standard input."""
    lines = nginx_line("/pypi/v/requests.svg", now) * 2
    result = CliRunner().invoke(main, ["top", "--log", "-"], input=lines)
    assert result.exit_code == 0, result.output
    assert "   1  requests  v             2" in result.stdout


# The service's counts


def _fill(recorder: UsageRecorder) -> None:
    """Today: requests/v 5, numpy/pyversions 2; cache 3 hits, 1 miss; 1 request to pypi."""
    for _ in range(5):
        recorder.count("requests", "v")
    recorder.count("numpy", "pyversions")
    recorder.count("numpy", "pyversions")
    for result in ("hit", "hit", "hit", "miss"):
        recorder.count_cache(result)
    recorder.count_upstream("pypi")


def _expected_store_output(source: str) -> list[str]:
    today = datetime.now(UTC).date()
    return [
        f"Most-requested badges ({source}), {today - timedelta(days=6)} to {today} (7 days, UTC)",
        "rank  package   badge       requests",
        "   1  requests  v                  5",
        "   2  numpy     pyversions         2",
        "7 badge requests (2 different badges); cache hit ratio 75.0% (hit 3, stale 0, miss 1); "
        "1 upstream request (pypi 1)",
    ]


@pytest.fixture
def usage_db(tmp_path: Path) -> Path:
    """A SQLite file of counts as ``pypins serve`` leaves it."""
    path = tmp_path / "usage.sqlite3"

    async def fill() -> None:
        recorder = UsageRecorder(SQLiteUsageStore(path))
        _fill(recorder)
        await recorder.aclose()

    asyncio.run(fill())
    return path


@pytest.mark.parametrize("through", ["option", "environment"])
def test_top_of_the_sqlite_store(usage_db: Path, through: str) -> None:
    """The counts of the SQLite file, from ``--usage-db`` or ``PYPINS_USAGE_DB``."""
    if through == "option":
        result = _run("--days", "7", "--usage-db", str(usage_db))
    else:
        result = _run("--days", "7", PYPINS_USAGE_DB=str(usage_db))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == _expected_store_output("sqlite")


def test_top_of_the_store_as_json(usage_db: Path) -> None:
    """``--json`` prints the report's data; the default window is 30 days."""
    result = _run("--json", "--usage-db", str(usage_db))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["days"], data["total"], data["hit_ratio"]) == (30, 7, 0.75)
    assert data["upstream"] == {"pypi": 1}


def test_a_missing_sqlite_file_is_an_error(tmp_path: Path) -> None:
    """No file: a clear message, status 1, and no file created."""
    path = tmp_path / "none" / "usage.sqlite3"
    result = _run("--usage-db", str(path))
    assert result.exit_code == 1
    assert f"no request counts at {path}" in result.stderr
    assert not path.parent.exists()


@pytest.mark.redis
def test_top_of_the_redis_store(redis_server: RedisServer) -> None:
    """The counts in Redis, from ``PYPINS_REDIS_URL`` as ``pypins serve`` reads it."""

    async def fill() -> None:
        shared = RedisStore.from_url(redis_server.url, timeout=PATIENT_TIMEOUT)
        recorder = UsageRecorder(RedisUsageStore(shared))
        _fill(recorder)
        await recorder.aclose()
        await shared.aclose()

    asyncio.run(fill())
    result = _run("--days", "7", PYPINS_REDIS_URL=redis_server.url)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == _expected_store_output("redis")


@pytest.mark.redis
def test_redis_down_is_an_error(private_redis: RedisServer) -> None:
    """An unreachable Redis: one line on stderr, status 1."""
    private_redis.stop()
    result = _run("--redis-url", private_redis.url)
    assert result.exit_code == 1
    assert result.stderr.startswith("pypins: cannot read the counts (redis): ")


# The progress bar


def test_the_progress_bar_draws_on_a_terminal(
    logs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal, each file gets a bar that ends full; the counts are the same."""
    screen = io.StringIO()
    monkeypatch.setattr(
        _top, "Console", lambda stderr: Console(file=screen, force_terminal=True, width=100)
    )
    result = _run("--log", *map(str, logs))
    assert result.exit_code == 0, result.output
    drawn = screen.getvalue()
    assert "access.log" in drawn
    assert "access.log.2.gz" in drawn
    assert "100%" in drawn or "━" in drawn
    assert "   1  requests  v                  8" in result.stdout


def test_no_progress_turns_the_bar_off(logs: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """``--no-progress`` draws nothing, even on a terminal."""
    screen = io.StringIO()
    monkeypatch.setattr(
        _top, "Console", lambda stderr: Console(file=screen, force_terminal=True, width=100)
    )
    assert _run("--log", "--no-progress", *map(str, logs)).exit_code == 0
    assert screen.getvalue() == ""


def test_rich_progress_without_a_size() -> None:
    """A file of unknown size (standard input) gets a bar too, finished at its position."""
    screen = io.StringIO()
    with _top.RichProgress(Console(file=screen, force_terminal=True, width=80)) as progress:
        progress.start("-", None)
        progress.update(1234)
        progress.finish()
        progress.update(99)  # after finish: ignored
        task = progress.progress.tasks[0]
    assert (task.total, task.completed) == (None, 1234)


# Junk in the store: skipped, counted, shown


@pytest.mark.redis
@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_junk_in_redis_is_skipped_and_shown(redis_server: RedisServer, as_json: bool) -> None:
    """``inf`` scores, non-numeric totals and keys of another type are left out of the
    table, which says how many; the exit status stays 0."""

    async def fill() -> None:
        shared = RedisStore.from_url(redis_server.url, timeout=PATIENT_TIMEOUT)
        recorder = UsageRecorder(RedisUsageStore(shared))
        _fill(recorder)
        await recorder.aclose()
        await shared.aclose()

    asyncio.run(fill())
    today = datetime.now(UTC).date()
    redis_server.execute("ZADD", f"pypins:v1:usage:{today}", "-inf", "junk\tv")
    redis_server.execute("HSET", f"pypins:v1:usage-totals:{today}", "requests2", "nan")
    redis_server.execute("SET", f"pypins:v1:usage:{today - timedelta(days=1)}", "junk")
    result = _run(
        "--days", "7", *(["--json"] if as_json else []), PYPINS_REDIS_URL=redis_server.url
    )
    assert result.exit_code == 0, result.output
    if as_json:
        data = json.loads(result.stdout)
        assert (data["total"], data["distinct"], data["skipped"]) == (7, 2, 3)
        return
    expected = _expected_store_output("redis")
    expected[-1] += "; 3 unreadable entries of the store skipped"
    assert result.stdout.splitlines() == expected


def test_junk_in_sqlite_is_skipped_and_shown(usage_db: Path) -> None:
    """A count that is not a number in the SQLite file is one skipped entry."""
    with sqlite3.connect(usage_db) as connection:
        connection.execute(
            "INSERT INTO usage VALUES (?, 'junk', 'v', 'many')",
            (datetime.now(UTC).date().isoformat(),),
        )
    connection.close()
    result = _run("--days", "7", "--usage-db", str(usage_db))
    assert result.exit_code == 0, result.output
    expected = _expected_store_output("sqlite")
    expected[-1] += "; 1 unreadable entry of the store skipped"
    assert result.stdout.splitlines() == expected
