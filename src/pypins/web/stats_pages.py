"""The ``/stats`` page and ``/stats.json``: a :class:`~pypins.stats.UsageReport` rendered.

Pure functions from a report to bytes; the service reads the report and serves them.
The page wears the site's header (the one navigation, ``pages.NAV``), footer and
stylesheet (``builder.css``, as the pages of :mod:`pypins.web.pages`), escapes every
value, runs no script, and carries its own Content-Security-Policy ``<meta>`` (its two
stylesheets by hash). For assistive technology it is a plain document: a table with a
caption and column headers, the window chosen with links (``?days=``) of which the
current one is marked.
"""

from __future__ import annotations

from functools import cache
from html import escape
from typing import Final

import orjson

from pypins.stats.report import CACHE_RESULTS, UsageReport
from pypins.web.pages import FAVICON, asset, site_footer, site_header, source_hash

__all__ = ["WINDOWS", "content_security_policy", "stats_html", "stats_json"]

#: The windows, in days, the page links to.
WINDOWS: Final = (1, 7, 30, 90, 365)

#: What this page adds to the site's stylesheet.
_EXTRA_CSS: Final = """
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;width:1%;white-space:nowrap}
caption{text-align:left;font-weight:600;padding:.5rem 0}
.windows ul{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;list-style:none;margin:0 0 1rem;
padding:0}
.windows a[aria-current]{font-weight:700;color:var(--text);text-decoration:none}
@media (max-width:40rem){table{font-size:.875rem}th,td{padding:.4rem .35rem}}
"""


@cache
def content_security_policy() -> str:
    """The page's Content-Security-Policy: its two stylesheets (by hash), no script."""
    return (
        "default-src 'none'; "
        f"style-src {source_hash(asset('builder.css'))} {source_hash(_EXTRA_CSS)}; "
        "img-src 'self' data:; form-action 'none'; base-uri 'none'"
    )


def _days_text(days: int) -> str:
    return "today" if days == 1 else f"the last {days} days"


def _plural(value: int, noun: str) -> str:
    return noun if value == 1 else noun + "s"


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


def _summary(report: UsageReport) -> str:
    """The paragraph of totals under the title."""
    parts = [
        f"<strong>{report.total:,}</strong> {_plural(report.total, 'badge request')} for "
        f"{report.distinct:,} {_plural(report.distinct, 'different badge')}"
    ]
    ratio = report.hit_ratio
    if ratio is not None:
        counts = ", ".join(f"{result} {report.cache.get(result, 0):,}" for result in CACHE_RESULTS)
        parts.append(f"cache hit ratio <strong>{_percent(ratio)}</strong> ({escape(counts)})")
    if report.upstream:
        each = ", ".join(f"{name} {count:,}" for name, count in sorted(report.upstream.items()))
        parts.append(
            f"<strong>{report.upstream_requests:,}</strong> "
            f"{_plural(report.upstream_requests, 'upstream request')} ({escape(each)})"
        )
    return "; ".join(parts) + "."


def _nav(days: int) -> str:
    """Links to the other windows; the current one is marked for assistive technology."""
    items = []
    for window in WINDOWS:
        label = "Today" if window == 1 else f"{window} days"
        current = ' aria-current="page"' if window == days else ""
        items.append(f'<li><a href="?days={window}"{current}>{label}</a></li>')
    return f'<nav class="windows" aria-label="Window"><ul>{"".join(items)}</ul></nav>'


def _notice(report: UsageReport) -> str:
    if report.source == "off":
        return '<p class="message warning" role="status">Request counting is off here.</p>'
    if report.error is not None:
        return (
            '<p class="message error" role="status">The counts could not be read: '
            f"{escape(report.error)}</p>"
        )
    if report.skipped:
        entries = "entry" if report.skipped == 1 else "entries"
        return (
            f'<p class="message warning" role="status">{report.skipped:,} unreadable {entries} '
            "of the store (not written by pypins) left out.</p>"
        )
    return ""


def _table(report: UsageReport, days: int) -> str:
    span = escape(f"{report.first.isoformat()} to {report.last.isoformat()}, UTC")
    if not report.rows:
        return f"<p>No badge requests counted in {_days_text(days)} ({span}).</p>"
    rows = "".join(
        f"<tr><td class=n>{position}</td><td>{escape(row.package)}</td>"
        # A line may break after the slash of ``pypip.in/<kind>``, on a phone.
        f"<td><code>{escape(row.kind).replace('/', '/<wbr>')}</code></td>"
        f"<td class=n>{row.requests:,}</td></tr>"
        for position, row in enumerate(report.rows, 1)
    )
    return (
        f"<table><caption>The {len(report.rows)} most-requested badges of "
        f"{_days_text(days)} ({span})</caption>"
        '<thead><tr><th scope="col" class=n>Rank</th><th scope="col">Package</th>'
        '<th scope="col">Badge</th><th scope="col" class=n>Requests</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def stats_html(report: UsageReport, days: int) -> bytes:
    """The page of the most-requested badges of ``report`` (a window of ``days`` days)."""
    policy = escape(content_security_policy(), quote=False)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Most-requested badges · pypins</title>
<link rel="icon" href="{FAVICON}">
<style>{asset("builder.css")}</style><style>{_EXTRA_CSS}</style></head>
<body>
{site_header("/stats")}
<main id="main" class="wrap" tabindex="-1">
<h1>Most-requested badges</h1>
<p class="lead">{_summary(report)}</p>
{_nav(days)}
{_notice(report)}
{_table(report, days)}
<p class="muted">Counted per UTC day; the latest requests may take a few seconds to appear.
As data: <a href="/stats.json?days={days}">/stats.json?days={days}</a>.</p>
</main>
{site_footer()}
</body></html>
""".encode()


def stats_json(report: UsageReport, days: int) -> bytes:
    """``report`` as JSON (``UsageReport.to_dict``), for a window of ``days`` days."""
    data = report.to_dict()
    data["days"] = days
    return orjson.dumps(data)
