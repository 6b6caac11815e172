"""``pypins top``: the most-requested badges, from the service's counts or from access logs.

```sh
pypins top --days 7                             # the counts of `pypins serve` (Redis or SQLite)
pypins top --log /var/log/nginx/access.log*     # nginx logs and pypins' JSON logs, .gz too
```

Without ``--log`` the counts come from the store ``pypins serve`` writes, found with the
same settings: ``--redis-url`` (``PYPINS_REDIS_URL``), else the SQLite file of
``--usage-db`` (``PYPINS_USAGE_DB``, by default ``settings.default_usage_db()``).
With ``--log`` the FILES are read line by line, with a progress bar on a terminal.

Exit status: 0 with a table; 1 when the counts cannot be read (no store, Redis down, a
log file that cannot be read to its end: what was read is still shown); 2 for a usage
error.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import TracebackType
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from pypins import settings
from pypins.cache.redis_store import RedisStore
from pypins.cli import setting_option
from pypins.config import SETTINGS, ConfigError, ServiceConfig
from pypins.stats import (
    CACHE_RESULTS,
    DEFAULT_DAYS,
    DEFAULT_LIMIT,
    MAX_DAYS,
    MAX_LIMIT,
    USAGE_OFF,
    LogScan,
    UsageRecorder,
    UsageReport,
    scan_logs,
)

#: Seconds allowed for each Redis command: a window over many days takes a while.
REDIS_TIMEOUT = 10.0


class RichProgress:
    """A rich progress bar per file, on ``console``: bytes read, speed, time left."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self.progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.progress.stop()

    def start(self, name: str, total: int | None) -> None:
        """A bar for file ``name`` of ``total`` bytes (no total: a pulsing bar)."""
        self.task = self.progress.add_task(Path(name).name or name, total=total)

    def update(self, position: int) -> None:
        """Move the bar to ``position`` bytes."""
        if self.task is not None:
            self.progress.update(self.task, completed=position)

    def finish(self) -> None:
        """Fill the bar of the finished file."""
        if self.task is not None:
            task = next(task for task in self.progress.tasks if task.id == self.task)
            self.progress.update(self.task, completed=task.total or task.completed)
            self.task = None


def _number(value: int) -> str:
    return f"{value:,}"


def _counted(value: int, noun: str) -> str:
    """``"1 line"``, ``"2 lines"``, ``"1,000 badge requests"``."""
    return f"{value:,} {noun}" + ("" if value == 1 else "s")


def table(report: UsageReport) -> list[str]:
    """The report's rows as aligned text: rank, package, badge kind, requests."""
    if not report.rows:
        return ["No badge requests counted."]
    header = ("rank", "package", "badge", "requests")
    rows = [
        (str(position), row.package, row.kind, _number(row.requests))
        for position, row in enumerate(report.rows, 1)
    ]
    widths = [max(len(cells[column]) for cells in (header, *rows)) for column in range(4)]
    lines = []
    for rank, package, kind, requests in (header, *rows):
        lines.append(
            f"{rank:>{widths[0]}}  {package:<{widths[1]}}  {kind:<{widths[2]}}  "
            f"{requests:>{widths[3]}}".rstrip()
        )
    return lines


def totals_line(report: UsageReport) -> str:
    """Requests, then the hit ratio and upstream requests where the source knows them."""
    parts = [
        f"{_counted(report.total, 'badge request')} "
        f"({_counted(report.distinct, 'different badge')})"
    ]
    ratio = report.hit_ratio
    if ratio is not None:
        counts = ", ".join(f"{name} {_number(report.cache.get(name, 0))}" for name in CACHE_RESULTS)
        parts.append(f"cache hit ratio {ratio * 100:.1f}% ({counts})")
    if report.source != "logs":
        each = ", ".join(f"{name} {_number(n)}" for name, n in sorted(report.upstream.items()))
        parts.append(
            _counted(report.upstream_requests, "upstream request") + (f" ({each})" if each else "")
        )
    if report.skipped:
        entries = "entry" if report.skipped == 1 else "entries"
        parts.append(f"{report.skipped:,} unreadable {entries} of the store skipped")
    return "; ".join(parts)


def _title(report: UsageReport, where: str) -> str:
    days = _counted(report.days, "day")
    span = f"{report.first.isoformat()} to {report.last.isoformat()}"
    return f"Most-requested badges {where}, {span} ({days}, UTC)"


def _store_recorder(
    redis_url: str | None, usage_db: str | None
) -> tuple[UsageRecorder, RedisStore | None]:
    """The recorder ``pypins serve`` would use with these settings (and its Redis)."""
    try:
        config = ServiceConfig(redis_url=redis_url, usage_db=usage_db)
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    if config.usage_db == USAGE_OFF:
        raise click.UsageError("request counting is off (--usage-db off): nothing to show")
    shared = None
    if config.redis_url is not None:
        shared = RedisStore.from_url(config.redis_url, timeout=REDIS_TIMEOUT, log_interval=1e9)
    else:
        path = Path(config.usage_db or settings.default_usage_db())
        if not path.is_file():
            click.echo(
                f"pypins: no request counts at {path} (does `pypins serve` write there? "
                "see --usage-db and --redis-url)",
                err=True,
            )
            raise SystemExit(1)
    recorder = UsageRecorder.from_config(config, shared)
    recorder.report_ttl = 0
    return recorder, shared


async def _read_store(
    recorder: UsageRecorder, shared: RedisStore | None, days: int, limit: int
) -> UsageReport:
    try:
        return await recorder.report(days, limit)
    finally:
        await recorder.aclose()
        if shared is not None:
            await shared.aclose()


def _scan(files: tuple[str, ...], days: int | None, show_progress: bool) -> LogScan:
    console = Console(stderr=True)
    if not show_progress or not console.is_terminal:
        return scan_logs(files, days=days)
    with RichProgress(console) as progress:
        return scan_logs(files, days=days, progress=progress)


def _scan_lines(scan: LogScan) -> str:
    return (
        f"{_counted(scan.lines, 'line')} in {_counted(scan.files, 'file')}: "
        f"{_counted(scan.counted, 'badge request')}, "
        f"{_counted(scan.skipped, 'other request')}, {_number(scan.unparseable)} not understood"
    )


def _scan_data(scan: LogScan) -> dict[str, Any]:
    return {
        "files": scan.files,
        "lines": scan.lines,
        "counted": scan.counted,
        "skipped": scan.skipped,
        "unparseable": scan.unparseable,
        "failures": scan.failures,
    }


@click.command("top")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--log",
    "from_logs",
    is_flag=True,
    help="Count the web-server access logs FILES (nginx combined, pypins JSON; .gz too).",
)
@click.option(
    "--days",
    type=click.IntRange(1, MAX_DAYS),
    default=None,
    help=f"Days counted, today (UTC) included [default: {DEFAULT_DAYS}; with --log, all].",
)
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_LIMIT),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Rows shown.",
)
@setting_option(SETTINGS["redis_url"], help="Read the counts in this Redis.")
@setting_option(
    SETTINGS["usage_db"], flag="--usage-db", help="Read the counts in this SQLite file."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@click.option("--no-progress", is_flag=True, help="No progress bar while reading logs.")
def top(
    *,
    files: tuple[str, ...],
    from_logs: bool,
    days: int | None,
    limit: int,
    redis_url: str | None,
    usage_db: str | None,
    as_json: bool,
    no_progress: bool,
) -> None:
    """Show the most-requested badges: package, badge kind, requests.

    Reads the counts of `pypins serve`, or with --log the access logs FILES.
    """
    if files and not from_logs:
        raise click.UsageError("FILES are read with --log (pypins top --log FILE...)")
    if from_logs and not files:
        raise click.UsageError("--log needs at least one FILE ('-' reads standard input)")
    if from_logs:
        scan = _scan(files, days, show_progress=not no_progress)
        report = scan.report(limit)
        if as_json:
            click.echo(json.dumps({**report.to_dict(), "logs": _scan_data(scan)}, indent=2))
        else:
            click.echo(_title(report, "in the logs"))
            click.echo("\n".join(table(report)))
            click.echo(totals_line(report))
            click.echo(_scan_lines(scan))
        if scan.first_unparseable is not None:
            name, number, text = scan.first_unparseable
            click.echo(
                f"pypins: {_counted(scan.unparseable, 'line')} not understood; the first, "
                f"{name} line {number}: {text}",
                err=True,
            )
        for failure in scan.failures:
            click.echo(f"pypins: {failure}", err=True)
        if scan.failures:
            raise SystemExit(1)
        return
    recorder, shared = _store_recorder(redis_url, usage_db)
    report = asyncio.run(_read_store(recorder, shared, days or DEFAULT_DAYS, limit))
    if report.error is not None:
        click.echo(f"pypins: cannot read the counts ({report.source}): {report.error}", err=True)
        raise SystemExit(1)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    click.echo(_title(report, f"({report.source})"))
    click.echo("\n".join(table(report)))
    click.echo(totals_line(report))
