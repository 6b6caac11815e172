"""Upstream addresses and other defaults, kept in this one module.

Every URL pypins talks to is a setting with a documented default here; the CLI, the
service and the client read their defaults from this module and nowhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

from pypins._version import __version__

#: Base of PyPI's JSON API. Requests go to ``<base>/<name>/json`` and
#: ``<base>/<name>/<version>/json``.
DEFAULT_PYPI_URL = "https://pypi.org/pypi"

#: Base of PyPI's Simple API, asked for its JSON form (PEP 691, with PEP 700's
#: ``versions`` and ``upload-time`` and PEP 792's ``project-status``). Requests go to
#: ``<base>/<normalized name>/``. Unless set, it is next to the JSON API's base
#: (``<root>/simple`` for ``<root>/pypi``): this one for PyPI's.
DEFAULT_SIMPLE_URL = "https://pypi.org/simple"

#: Base of PyPI's Integrity API (PEP 740 provenance). Requests go to
#: ``<base>/<name>/<version>/<filename>/provenance``. Unless set, it is next to the JSON
#: API's base, as the Simple API is.
DEFAULT_INTEGRITY_URL = "https://pypi.org/integrity"

#: PyPI's RSS feed of the newest projects.
DEFAULT_NEWEST_PACKAGES_URL = "https://pypi.org/rss/packages.xml"

#: PyPI's RSS feed of the latest releases.
DEFAULT_LATEST_UPDATES_URL = "https://pypi.org/rss/updates.xml"

#: PyPI's RSS feed of one project's releases; ``{name}`` is the project's name.
DEFAULT_PROJECT_RELEASES_URL = "https://pypi.org/rss/project/{name}/releases.xml"

#: Base of the download-stats API (pypistats.org). Requests go to
#: ``<base>/api/packages/<name>/recent``.
DEFAULT_STATS_URL = "https://pypistats.org"

#: Where PyPI's operators can learn about this software, sent in the User-Agent.
DEFAULT_CONTACT_URL = "https://github.com/pypins/pypins"

#: Seconds allowed for connecting to and reading from an upstream.
DEFAULT_TIMEOUT = 10.0

#: Largest upstream body accepted, in bytes. numpy's JSON document is about 3.6 MB.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


def user_agent(contact_url: str = DEFAULT_CONTACT_URL) -> str:
    """The descriptive User-Agent PyPI asks clients to send."""
    return f"pypins/{__version__} (+{contact_url})"


#: Seconds a cached package record is fresh (pypip.in kept PyPI answers 10 minutes).
DEFAULT_CACHE_TTL = 600

#: Seconds a stale record may still be served while refreshing or when the upstream
#: fails (pypip.in's Varnish grace was 6 hours).
DEFAULT_GRACE = 6 * 3600

#: Seconds a "not found" answer is cached.
DEFAULT_NEGATIVE_TTL = 60

#: Seconds a download-stats record is fresh: pypistats.org updates once a day.
DEFAULT_DOWNLOADS_TTL = 12 * 3600

#: Requests pypins sends to the download-stats API (pypistats.org) in any second, all
#: workers and hosts together when they share a Redis (pypistats allows 5 per second).
DEFAULT_STATS_RATE_PER_SECOND = 5

#: Requests pypins sends to pypistats.org in any 60 seconds, at most (it allows 30).
DEFAULT_STATS_RATE_PER_MINUTE = 30

#: Seconds a download badge whose counts are not cached waits for its turn to ask
#: pypistats.org (in a first-come, first-served queue; once its turn came, it waits for
#: the answer too) before it is answered "queued" with a short lifetime; its request
#: stays in the queue for the next load. A little over three seconds lets four of
#: pypistats' one-second windows pass, and stays within what image proxies such as
#: GitHub's camo wait for an image.
DEFAULT_STATS_MAX_WAIT = 3.5

#: Seconds a pypistats.org request may wait in the queue at most, whoever waits for it
#: (a first load's requests keep their places for the next load; a refresh waits here
#: while the stale counts are served). Beyond it, nothing is queued.
DEFAULT_STATS_BACKLOG = 120.0

#: Seconds pypins stops asking pypistats.org after it answered 429 without saying how
#: long to wait (its answers carry no ``Retry-After``): its per-minute window is over
#: by then, whenever it began.
DEFAULT_STATS_PAUSE = 60.0

#: Most requested download badges whose counts are fetched at start-up when they are
#: not cached, at a quarter of pypistats' allowance (0 turns warming off).
DEFAULT_WARM_DOWNLOADS = 100

#: Seconds between two reads of PyPI's updates feed (0 turns release-aware freshness off).
DEFAULT_POLL_INTERVAL = 60.0

#: Upstream requests one worker process has in flight at most; more wait in a queue.
DEFAULT_MAX_UPSTREAM_CONCURRENCY = 64

#: Requests one worker lets wait for an upstream slot; beyond that it answers "busy" at
#: once instead of queueing without bound.
DEFAULT_MAX_QUEUED = 256

#: Megabytes one worker's in-process caches hold in all (hot index, rendered badges,
#: records, builder pages), in fixed shares (``pypins.cache.budget``): with the
#: worker's own 60 to 70 MB, a worker stays under 250 MB resident whatever the keys
#: (``bench/flood.py``).
DEFAULT_MEMORY_BUDGET = 128

#: Attempts after the first for an upstream request that failed transiently (5xx,
#: reset, timeout), with exponential backoff and jitter between them.
DEFAULT_RETRIES = 2

#: Consecutive failed upstream requests after which pypins stops asking that upstream
#: for a while (the circuit breaker opens).
DEFAULT_BREAKER_THRESHOLD = 5

#: Seconds an open circuit breaker waits before letting one trial request through.
DEFAULT_BREAKER_COOLDOWN = 30.0

#: Seconds allowed for one Redis command, and for opening a connection to Redis. A
#: command or connection over time is a miss (the worker serves from memory and
#: fetches on its own), and Redis is left alone for 5 seconds.
DEFAULT_REDIS_TIMEOUT = 0.25

#: Largest request head (request line and headers) a worker reads, in bytes: nginx's
#: ``large_client_header_buffers`` holds four lines of 8 KiB, and browsers send under
#: 8 KiB. Past it the request is answered 431 (414 for a URL) and its connection closed.
DEFAULT_MAX_HEAD_BYTES = 16 * 1024

#: Seconds a request head may take from its first byte (nginx's
#: ``client_header_timeout`` is 60 s; a client writes a head at once). Past it the
#: request is answered 408 and its connection closed.
DEFAULT_HEAD_TIMEOUT = 10.0

#: The most connections a worker keeps open when ``PYPINS_MAX_CONNECTIONS`` is unset
#: (0: derived from the worker's open-files limit): each costs about 6 KB, and up to
#: ``DEFAULT_MAX_HEAD_BYTES`` more while its head is read (all of them about 45 MB at
#: most). Idle ones make room for new ones, so this caps the clients being answered or
#: sending their heads at one time, which a worker serves in microseconds each.
CONNECTIONS_CEILING = 2048

#: File descriptors a worker keeps for other than client connections when the cap is
#: derived: two upstream pools of 100 connections, Redis, files, the event loop's own.
RESERVED_DESCRIPTORS = 512


def default_usage_db() -> str:
    """Where request counts are kept without Redis: ``$XDG_STATE_HOME/pypins/usage.sqlite3``
    (``~/.local/state/pypins/usage.sqlite3`` when the variable is unset)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return str(Path(state) / "pypins" / "usage.sqlite3")
