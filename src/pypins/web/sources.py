"""The records badges read, each fetched once per freshness window, and how.

Four kinds of record, each in a two-tier cache of its own (``RecordCache``: fresh,
stale and grace; single flight within and across processes; Redis when configured):

* the JSON API's ``PackageFacts`` of a project (or one release),
* the Simple API's ``IndexFacts`` (the release list, PEP 792's status), asked for only
  by the badges that need them,
* a file's ``AttestationFacts`` (PEP 740 provenance), asked for only by the
  attestations badge,
* pypistats' ``DownloadFacts``, asked for in turn behind its rate limit.

:meth:`FactSources.for_kind` gives a badge kind the record it reads, joining two when
it reads both. Fetches go through the process's :class:`~pypins.web.upstreams.Upstreams`
(clients and guards).
"""

from __future__ import annotations

import asyncio
import logging
import math
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, Final, TypeVar, cast

from packaging.utils import canonicalize_name

from pypins import settings
from pypins.badges import (
    KINDS,
    LEGACY_KINDS,
    AttestationFacts,
    BadgeKind,
    DownloadFacts,
    IndexFacts,
    PackageFacts,
    Params,
    facts_from_json,
    index_facts,
)
from pypins.cache.budget import ENTRY_OVERHEAD, MemoryBudget, deep_size
from pypins.cache.codec import decode_entry, encode_entry, record_key
from pypins.cache.records import (
    LOCK_TTL,
    NOT_MODIFIED,
    CacheResult,
    Entry,
    Fetched,
    RecordCache,
)
from pypins.cache.redis_store import RedisStore
from pypins.cache.tinylfu import TinyLFUCache
from pypins.client import AsyncPyPIClient, Validators
from pypins.config import ServiceConfig
from pypins.errors import HTTPError, PypinsError, UpstreamPendingError
from pypins.pypi import parse_simple_project, validate_name
from pypins.stats import UsageRecorder
from pypins.stats.keys import LEGACY_PREFIX
from pypins.stats.report import MAX_LIMIT
from pypins.web.upstreams import Upstreams

__all__ = ["FactSources", "FactsResult", "facts_key"]

log = logging.getLogger(__name__)

#: Days of request counts the start-up warming ranks download badges by.
WARM_DAYS = 7
#: Seconds one process holds the right to warm (other workers and hosts skip it).
WARM_LEASE_SECONDS = 3600.0
#: The kinds whose records are download counts, as the request counts name them.
_DOWNLOAD_KINDS: Final = frozenset(
    [segment for segment, kind in KINDS.items() if kind.source == "stats"]
    + [LEGACY_PREFIX + segment for segment, kind in LEGACY_KINDS.items() if kind.source == "stats"]
)
_STATES: Final = ("hit", "stale", "miss")
#: A typical record's bytes, by budget share (what sizes each cache's frequency sketch).
RECORD_BYTES: Final = {"records": 2500, "index": 900, "attestations": 900, "downloads": 900}

T = TypeVar("T", PackageFacts, DownloadFacts, IndexFacts, AttestationFacts)
V = TypeVar("V", PackageFacts, IndexFacts, AttestationFacts)
#: What a badge kind reads: one record, or two read together.
FactsResult = (
    CacheResult[PackageFacts]
    | CacheResult[DownloadFacts]
    | CacheResult[IndexFacts]
    | CacheResult[AttestationFacts]
)


class FactSources:
    """The record caches of one process, and the fetches that fill them."""

    def __init__(
        self,
        config: ServiceConfig,
        upstreams: Upstreams,
        usage: UsageRecorder,
        *,
        clock: Callable[[], float],
        shared: RedisStore | None,
        on_invalidate: Callable[[], None],
    ) -> None:
        self.config = config
        self.upstreams = upstreams
        self.usage = usage
        self.clock = clock
        self.shared = shared
        #: Called when records were marked stale (the app drops its hot index).
        self.on_invalidate = on_invalidate
        #: Each kind of record holds its share of the worker's memory budget.
        self.budget = MemoryBudget.megabytes(config.memory_budget)
        self.facts = self._records(PackageFacts, "pypi", config.cache_ttl, share="records")
        #: Simple API pages, fetched only for the badges that need them.
        self.index = self._records(IndexFacts, "simple", config.cache_ttl, share="index")
        #: One file's provenance per release, fetched only for the attestations badge.
        self.attestations = self._records(
            AttestationFacts, "integrity", config.cache_ttl, share="attestations"
        )
        # A download-count fetch may queue behind pypistats' limit for minutes: its
        # cross-process lock lasts as long, so that no other process asks meanwhile.
        stats_lock = settings.DEFAULT_STATS_BACKLOG + config.timeout
        self.downloads = self._records(
            DownloadFacts,
            "pypistats",
            config.downloads_ttl,
            share="downloads",
            lock_ttl=stats_lock,
        )
        #: Packages whose counts pypistats is being asked for (their turn came).
        self._asking_pypistats: set[str] = set()
        #: The start-up task fetching the most requested download counts, while it runs.
        self._warming: asyncio.Task[int] | None = None

    def _records(
        self, kind: type[T], upstream: str, ttl: int, *, share: str, lock_ttl: float = LOCK_TTL
    ) -> RecordCache[T]:
        """The two-tier cache of one kind of record, counted as ``upstream``'s fetches,
        holding the budget's ``share`` in this process."""
        config = self.config
        memory: TinyLFUCache[str, Entry[T]] = TinyLFUCache(
            self.budget.share(share), record_size, entry_bytes=RECORD_BYTES[share]
        )
        return RecordCache(
            ttl=ttl,
            grace=config.grace,
            negative_ttl=config.negative_ttl,
            clock=self.clock,
            shared=self.shared,
            encode=partial(encode_entry, kind=kind),
            decode=_decoder(kind),
            shared_key=partial(record_key, kind),
            lock_ttl=lock_ttl,
            # A worker waits that long for another's fetch before fetching itself.
            max_wait=lock_ttl if lock_ttl > LOCK_TTL else config.timeout,
            admit=partial(self.upstreams.admit, upstream),
            memory=memory,
        )

    def sizes(self) -> list[tuple[str, int]]:
        """Records held in this process, by the metrics' cache name."""
        return [("records", len(self.facts.memory)), ("downloads", len(self.downloads.memory))]

    # -- what a kind reads ----------------------------------------------------------------

    async def for_kind(
        self,
        kind: BadgeKind,
        name: str,
        version: str | None,
        registry: str | None,
        params: Params,
    ) -> FactsResult:
        """The record ``kind`` reads, from the caches or the upstreams.

        Most kinds read the JSON API's record alone. The project-status badge reads the
        Simple API's; a badge that needs the release list reads it there too when the
        JSON API left out ``releases``; the attestations badge reads the provenance of
        one file of the release the JSON record describes.
        """
        if kind.source == "stats":
            return await self.downloads_of(name)
        if kind.source == "simple":
            return await self.index_of(name, registry)
        found = await self.package(name, version, registry)
        facts = found.entry.value
        if facts is None:
            return found
        if kind.source == "integrity":
            if facts.provenance_file is None:  # a release without files attests nothing
                return _joined(found, None, AttestationFacts())
            attested = await self.attestation(name, facts.version, facts.provenance_file, registry)
            return _joined(found, attested, attested.entry.value or AttestationFacts())
        if version is None and not facts.has_release_list and kind.needs_release_list(params):
            listed = await self.index_of(name, registry)
            highest = None if listed.entry.value is None else listed.entry.value.highest_version
            return _joined(found, listed, replace(facts, highest_version=highest))
        return found

    # -- the JSON API -------------------------------------------------------------------

    async def package(
        self, name: str, version: str | None, registry: str | None
    ) -> CacheResult[PackageFacts]:
        """The JSON API's record of a project (or one release)."""
        fetch = partial(
            self._fetch_package, self.upstreams.client(registry), name, version, registry
        )
        return await self.facts.get(facts_key(registry, name, version), fetch)

    async def _fetch_package(
        self,
        client: AsyncPyPIClient,
        name: str,
        version: str | None,
        registry: str | None,
        previous: Entry[PackageFacts] | None,
    ) -> Fetched[PackageFacts] | object:
        # Revalidate with the validators of the record we hold: a 304 refreshes it
        # without a body to read or parse.
        held = _validators(previous)
        request = partial(self._request_package, client, name, version, held)
        return await self.upstreams.guard_of("pypi", registry).call(request)

    async def _request_package(
        self, client: AsyncPyPIClient, name: str, version: str | None, held: Validators | None
    ) -> Fetched[PackageFacts] | object:
        document = await client.get_json(
            name,
            version,
            if_none_match=held.etag if held else None,
            if_modified_since=held.last_modified if held else None,
        )
        if document.data is None:
            return NOT_MODIFIED
        # Inside the guard: a document of the wrong shape is a failed request.
        facts = facts_from_json(document.data, pinned=version is not None)
        return Fetched(facts, document.validators)

    # -- the Simple API -----------------------------------------------------------------

    async def index_of(self, name: str, registry: str | None) -> CacheResult[IndexFacts]:
        """The Simple API's record of a project (its release list and PEP 792 status)."""
        fetch = partial(self._fetch_index, self.upstreams.client(registry), name, registry)
        return await self.index.get(facts_key(registry, name, None), fetch)

    async def _fetch_index(
        self,
        client: AsyncPyPIClient,
        name: str,
        registry: str | None,
        previous: Entry[IndexFacts] | None,
    ) -> Fetched[IndexFacts] | object:
        request = partial(self._request_index, client, name, _validators(previous))
        return await self.upstreams.guard_of("simple", registry).call(request)

    async def _request_index(
        self, client: AsyncPyPIClient, name: str, held: Validators | None
    ) -> Fetched[IndexFacts] | object:
        document = await client.get_simple_json(
            name,
            if_none_match=held.etag if held else None,
            if_modified_since=held.last_modified if held else None,
        )
        if document.data is None:
            return NOT_MODIFIED
        page = parse_simple_project(document.data, name)
        files = ((file.filename, file.yanked) for file in page.files)
        return Fetched(index_facts(page.status, page.versions, files), document.validators)

    # -- the Integrity API --------------------------------------------------------------

    async def attestation(
        self, name: str, version: str, filename: str, registry: str | None
    ) -> CacheResult[AttestationFacts]:
        """The Integrity API's record of one file: who published it, if anyone attested."""
        client = self.upstreams.client(registry)
        fetch = partial(self._fetch_attestation, client, name, version, filename, registry)
        key = f"{facts_key(registry, name, version)}|{filename}"
        return await self.attestations.get(key, fetch)

    async def _fetch_attestation(
        self,
        client: AsyncPyPIClient,
        name: str,
        version: str,
        filename: str,
        registry: str | None,
        _: Entry[AttestationFacts] | None,
    ) -> Fetched[AttestationFacts]:
        request = partial(client.provenance, name, version, filename)
        provenance = await self.upstreams.guard_of("integrity", registry).call(request)
        publishers = () if provenance is None else provenance.publishers
        label = publishers[0].label if publishers else None
        return Fetched(AttestationFacts(sys.intern(label) if label else None))

    # -- pypistats ----------------------------------------------------------------------

    async def downloads_of(
        self, name: str, *, wait: float | None = None
    ) -> CacheResult[DownloadFacts]:
        """pypistats' record of a project, asked for in turn behind its rate limit.

        Counts change once a day: a record stays fresh for hours, then is served stale
        while one refresh waits for its turn. Without a record, a badge waits ``wait``
        seconds (``stats_max_wait`` by default) for its turn, then for the answer if its
        turn came; its request stays queued after that, for the next load. A 429 pauses
        the queue of every process.
        """
        fetch = partial(self._fetch_downloads, name)
        if wait is None:
            wait = self.config.stats_max_wait
        try:
            return await self.downloads.get(name, fetch, wait=wait)
        except UpstreamPendingError:
            if name not in self._asking_pypistats:
                raise
        # Its turn came within the wait and its request is under way: the wait bounds
        # the queue, not pypistats' answer, which the timeout bounds.
        return await self.downloads.get(name, fetch, wait=self.config.timeout)

    async def _fetch_downloads(
        self, name: str, _: Entry[DownloadFacts] | None
    ) -> Fetched[DownloadFacts]:
        limiter = self.upstreams.stats_limiter
        if not await limiter.acquire(settings.DEFAULT_STATS_BACKLOG):
            raise HTTPError(429, "Too Many Requests (pypins' queue for pypistats is full)")
        # Counts come from pypistats.org whatever the registry (the record is keyed by the
        # name alone): through the default pool, not the guarded one.
        request = partial(self.upstreams.client().downloads, name)
        self._asking_pypistats.add(name)
        try:
            counts = await self.upstreams.guard("pypistats").call(request)
        except HTTPError as error:
            if error.status_code == 429:
                await limiter.pause(error.retry_after or settings.DEFAULT_STATS_PAUSE)
            raise
        finally:
            self._asking_pypistats.discard(name)
        return Fetched(DownloadFacts(counts.day, counts.week, counts.month))

    async def warm_downloads(self, pace: float | None = None) -> int:
        """Fetch the download counts of the most requested download badges (of the last
        week, by the request counts) that no tier holds, at most ``warm_downloads`` of
        them, one every ``pace`` seconds: by default at a quarter of pypistats' allowance,
        so that visitors keep the rest. One process of a deployment does it. The number
        of records fetched."""
        limit = self.config.warm_downloads
        if limit <= 0:
            return 0
        if self.shared is None and self.config.workers > 1:
            return 0  # no way to choose one worker: none warms
        lease = self.shared is None or await self.shared.acquire(
            "warm-downloads", WARM_LEASE_SECONDS
        )
        if lease is None:
            return 0  # another process warms
        report = await self.usage.report(WARM_DAYS, MAX_LIMIT)
        names = list(
            dict.fromkeys(row.package for row in report.rows if row.kind in _DOWNLOAD_KINDS)
        )[:limit]
        if pace is None:
            pace = 4 * 60.0 / self.config.stats_rate_per_minute
        fetched = 0
        for name in names:
            try:
                found = await self.downloads_of(name, wait=settings.DEFAULT_STATS_BACKLOG)
            except PypinsError as error:
                log.info("warming the download counts of %s failed: %s", name, error)
                continue
            if found.state == "miss":
                fetched += 1
                await asyncio.sleep(pace)
        log.info("warmed the download counts of %d of %d packages", fetched, len(names))
        return fetched

    async def _warm_quietly(self) -> int:
        try:
            return await self.warm_downloads()
        except Exception:  # warming is a nicety: it must not take the worker down
            log.exception("warming the download counts failed")
            return 0

    # -- freshness ----------------------------------------------------------------------

    async def release_seen(self, name: str, released_at: float) -> bool:
        """A release of ``name`` at ``released_at``: mark older records of it stale."""
        key = facts_key(None, name, None)
        changed = await self.facts.invalidate_before(key, released_at)
        # The Simple API's record lists the releases too (bitwise or: both are marked).
        changed = await self.index.invalidate_before(key, released_at) | changed
        if changed:
            self.on_invalidate()
        return changed

    async def purge(self, package: str) -> tuple[str, bool]:
        """Mark ``package``'s records stale in every tier: the next request serves them
        once more and fetches anew. Its canonical name and whether anything was cached;
        ``InvalidNameError`` (a ``ValueError``) for an impossible name."""
        validate_name(package)
        name = canonicalize_name(package)
        # Everything fetched up to and including this instant.
        now = math.nextafter(self.clock(), math.inf)
        changed = await self.release_seen(name, now)
        if await self.downloads.invalidate_before(name, now):
            changed = True
            self.on_invalidate()
        return name, changed

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start warming the most requested download counts, when configured."""
        if self.config.warm_downloads > 0 and self._warming is None:
            self._warming = asyncio.get_running_loop().create_task(self._warm_quietly())

    async def aclose(self) -> None:
        """Stop warming, wait for the refreshes under way, stop the queued downloads."""
        if self._warming is not None:
            self._warming.cancel()
            await asyncio.gather(self._warming, return_exceptions=True)
            self._warming = None
        for records in (self.facts, self.index, self.attestations):
            await records.drain()
        # Download counts may be queued behind pypistats' limit for minutes: stopped.
        await self.downloads.aclose()


def record_size(key: str, entry: Entry[Any]) -> int:
    """Bytes a record costs in memory: its key, every object it holds, the cache's slots."""
    return len(key) + deep_size(entry) + ENTRY_OVERHEAD


def facts_key(registry: str | None, name: str, version: str | None) -> str:
    """The record key of a package (or one release) on a registry (None: the default)."""
    return f"{registry or ''}|{name}|{version or ''}"


def _validators(previous: Entry[Any] | None) -> Validators | None:
    """The validators of a record held, to revalidate it (None for a negative one)."""
    return previous.validators if previous is not None and previous.found else None


def _joined(
    first: CacheResult[PackageFacts], second: CacheResult[Any] | None, value: V
) -> CacheResult[V]:
    """One result for facts read from two records (``second`` None: from ``first``
    alone): fetched when the later was, fresh and valid while both are, a miss or
    stale if either is."""
    results: list[CacheResult[Any]] = [first] if second is None else [first, second]
    entry = Entry(
        value,
        max(result.entry.fetched_at for result in results),
        min(result.entry.fresh_until for result in results),
        min(result.entry.stale_until for result in results),
        first.entry.validators,
    )
    state = max((result.state for result in results), key=_STATES.index)
    return CacheResult(entry, state, min(result.valid_until for result in results))


def _decoder(kind: type[T]) -> Callable[[bytes], Entry[T] | None]:
    """``decode_entry`` for one kind of facts."""

    def decode(data: bytes) -> Entry[T] | None:
        return cast("Entry[T] | None", decode_entry(data, kind))

    return decode
