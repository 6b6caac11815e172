"""Access-log lines with known counts, for the log reader's tests and ``bench/top_log.py``.

``nginx_line`` and ``json_line`` write one request in nginx's ``combined`` format and in
pypins' own JSON form; ``BADGES`` are requests that count (with their row),
``NOISE`` requests that do not, ``GARBAGE`` lines no format explains.
``synthetic_log`` writes a large random log and returns its expected counts.

Importable without pytest.
"""

from __future__ import annotations

import gzip
import random
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Final

import orjson

Row = tuple[str, str]

#: Badge request targets and the row each counts as.
BADGES: Final[tuple[tuple[str, Row], ...]] = (
    ("/pypi/v/Requests.svg", ("requests", "v")),
    ("/pypi/v/requests.png?style=flat-square", ("requests", "v")),
    ("/pypi/pyversions/numpy", ("numpy", "pyversions")),
    ("/pypi/pyversions/NumPy.json?label=py", ("numpy", "pyversions")),
    ("/v/Django/badge.svg", ("django", "pypip.in/v")),
    ("/d/django/badge.png?period=week", ("django", "pypip.in/d")),
    ("/pypi/frameworkversions/django/wagtail.svg", ("wagtail", "frameworkversions")),
    ("/pypi/v/zope.interface/5.0.svg", ("zope-interface", "v")),
    ("/pypi/l/python%2Ddateutil.svg", ("python-dateutil", "l")),
    ("http://badges.example/pypi/dm/click.svg", ("click", "dm")),
)
#: Well-formed requests that must not count: (method, target, status).
NOISE: Final[tuple[tuple[str, str, int], ...]] = (
    ("GET", "/", 200),
    ("GET", "/badge/build-passing-brightgreen", 200),
    ("GET", "/static/v1.svg?label=a&message=b", 200),
    ("GET", "/pypi/v/requests.svg", 404),
    ("GET", "/pypi/v/requests.svg", 500),
    ("POST", "/pypi/v/requests.svg", 405),
    ("HEAD", "/pypi/v/requests.svg", 200),
    ("GET", "/pypi/nosuchkind/requests.svg", 200),
    ("GET", "/pypi/v/-not-a-name-.svg", 200),
    ("GET", "/pypi/djversions/wagtail", 301),
    ("GET", "/favicon.ico", 404),
    ("GET", "/stats", 200),
    ("-", "", 400),
    ("\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03", "", 400),
)
#: Lines that are neither nginx's format nor pypins' JSON.
GARBAGE: Final = (
    "garbage",
    "127.0.0.1 - - [not a time] GET /pypi/v/requests.svg",
    '{"time": "2027-01-15T08:00:00Z", "method": "GET"',
    '{"time": "2027-01-15T08:00:00Z", "method": "GET", "status": 200}',
    '{"time": 1, "method": "GET", "path": "/pypi/v/requests.svg", "status": 200}',
    '127.0.0.1 - - [15/Jan/2027:08:00:00 +0000] "GET /pypi/v/requests.svg HTTP/1.1" 2000 1 "-" "-"',
    '127.0.0.1 - - [15/Foo/2027:08:00:00 +0000] "GET /pypi/v/requests.svg HTTP/1.1" 200 1 "-" "-"',
)

_AGENTS: Final = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "github-camo (876de43e)",
    'curl/8.5.0 with a \\"quoted\\" part',
)


def nginx_time(when: datetime) -> str:
    """``when`` as nginx's ``$time_local``, in ``when``'s own offset."""
    return when.strftime("%d/%b/%Y:%H:%M:%S %z")


def nginx_line(
    target: str,
    when: datetime,
    *,
    method: str = "GET",
    status: int = 200,
    agent: str = _AGENTS[0],
) -> str:
    """One request in nginx's ``combined`` format."""
    request = f"{method} {target} HTTP/1.1" if target else method
    return (
        f'203.0.113.7 - - [{nginx_time(when)}] "{request}" {status} 512 '
        f'"https://github.com/" "{agent}"\n'
    )


def json_line(
    target: str,
    when: datetime,
    *,
    method: str = "GET",
    status: int = 200,
    cache: str | None = "hit",
) -> str:
    """One request as pypins' access log writes it."""
    path, _, query = target.partition("?")
    record = {
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "method": method,
        "path": target if query else path,
        "kind": None,
        "package": None,
        "status": status,
        "cache": cache,
        "duration_ms": 0.412,
    }
    return orjson.dumps(record).decode() + "\n"


def write_log(path: Path, lines: Iterable[str]) -> Path:
    """Write ``lines`` to ``path``, gzip-compressed when the name ends with ``.gz``."""
    data = "".join(lines).encode()
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def synthetic_log(path: Path, target_bytes: int, *, now: datetime, seed: int = 7) -> Counter[Row]:
    """Write about ``target_bytes`` of mixed lines (nginx with 10% JSON, some noise and
    garbage) in time order over the 30 days before ``now``, as a server appends them,
    and return the rows they count as."""
    rng = random.Random(seed)
    packages = [f"package-{number}" for number in range(5000)]
    kinds = ("v", "pyversions", "l", "dm", "wheel", "format")
    expected: Counter[Row] = Counter()
    zone = timezone(timedelta(hours=2))  # a server logs in its own time zone
    written = 0
    start = now - timedelta(days=30)
    step = 30 * 86_400 / max(1, target_bytes // 170)  # seconds between lines, about
    number = 0
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        while written < target_bytes:
            chunk = []
            for _ in range(10_000):
                number += 1
                when = min(now, start + timedelta(seconds=number * step)).astimezone(zone)
                draw = rng.random()
                if draw < 0.85:
                    package = packages[min(int(rng.paretovariate(1.2)) - 1, len(packages) - 1)]
                    kind = rng.choice(kinds)
                    target = f"/pypi/{kind}/{package}.svg"
                    expected[package, kind] += 1
                    if draw < 0.77:
                        chunk.append(nginx_line(target, when, agent=rng.choice(_AGENTS)))
                    else:
                        chunk.append(json_line(target, when, cache=rng.choice(("hit", "miss"))))
                elif draw < 0.99:
                    method, target, status = rng.choice(NOISE)
                    chunk.append(nginx_line(target, when, method=method, status=status))
                else:
                    chunk.append(rng.choice(GARBAGE) + "\n")
            text = "".join(chunk)
            stream.write(text)
            written += len(text)
    return expected
