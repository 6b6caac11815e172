"""The fault suite's harness: a real ``pypins serve``, load with checks, metrics, figures.

Every scenario runs the same way: badges for a few *cached* packages are fetched while
all is well, the records go stale (``PYPINS_CACHE_TTL=1``, an hour of grace), a fault
starts, concurrent load asks for the cached packages and for packages never seen
before, the fault ends and the scenario measures how long pypins takes to serve fresh
badges again. :func:`drive` sends the load and checks every answer as it comes: a
well-formed JSON badge with status 200 within the configured timeout plus a margin.
:class:`Samples` reads ``/metrics``. Each scenario records its figures (requests
answered, errors, stale badges served, upstream requests during the fault, recovery
time) in :class:`Figures`; they are written to ``test-artifacts/faults.json`` at the
end of the session, for ``docs/reliability.md``.

Everything runs on 127.0.0.1 and every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.service import Service
from tests.support.upstream import Upstream

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FIGURES_FILE = ARTIFACTS / "faults.json"

#: ``PYPINS_TIMEOUT`` of every service in this suite: one upstream call, retries included.
TIMEOUT = 2.0
#: How long a client waits for any answer: a guard against a hang, not a timing check
#: (the slowest answer of each scenario is recorded as a figure, never asserted).
HANG_GUARD = 30.0
#: ``PYPINS_BREAKER_THRESHOLD``: consecutive failures that open a breaker.
BREAKER_THRESHOLD = 5
#: ``PYPINS_BREAKER_COOLDOWN``: seconds a breaker stays open at first (at most 8 times
#: as long after failed trials).
BREAKER_COOLDOWN = 0.5
#: ``PYPINS_RETRIES``: retries of one transient failure.
RETRIES = 2
#: Upper bound of a body pypins reads (``PYPINS_MAX_RESPONSE_BYTES``): 4 MiB, so that
#: refusing a 50 MB body stays well inside the 2 s timeout on two loaded cores.
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
#: Concurrent client connections of the load during a fault.
CONNECTIONS = 8
#: How long a fault lasts, seconds.
FAULT_SECONDS = 2.0
#: How long a scenario waits for fresh badges once a fault is over (a guard; the time
#: taken is recorded as a figure): the breaker's longest cool-down (4 s) and a record's
#: failure back-off (5 s, then 10 s: a constant of ``pypins.cache.records``), with room
#: for a loaded machine.
RECOVERY_LIMIT = 60.0

#: The messages of error badges that a fault may cause (never a red "not found").
FAULT_MESSAGES = frozenset(
    {"inaccessible", "invalid response data", "rate limited by upstream service"}
)
BUSY_MESSAGE = "busy, retry shortly"


def service_env(**overrides: str) -> dict[str, str]:
    """The environment of a service under test: short timeouts and lifetimes."""
    env = {
        "PYPINS_POLL_INTERVAL": "0",
        "PYPINS_TIMEOUT": str(TIMEOUT),
        "PYPINS_CACHE_TTL": "1",
        "PYPINS_GRACE": "3600",
        "PYPINS_NEGATIVE_TTL": "1",
        "PYPINS_RETRIES": str(RETRIES),
        "PYPINS_BREAKER_THRESHOLD": str(BREAKER_THRESHOLD),
        "PYPINS_BREAKER_COOLDOWN": str(BREAKER_COOLDOWN),
        "PYPINS_MAX_RESPONSE_BYTES": str(MAX_RESPONSE_BYTES),
        "PYPINS_USAGE_DB": "off",
        "PYPINS_LOG_LEVEL": "warning",
    }
    env.update(overrides)
    return env


def upstream_args(upstream: Upstream) -> tuple[str, ...]:
    """The flags pointing a service at the loopback PyPI and pypistats."""
    return ("--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url)


# -- answers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One answer to a badge request, checked."""

    target: str
    #: The HTTP status, or None when no answer came (connection error, client timeout).
    status: int | None
    #: The badge's message, when the answer is a well-formed JSON badge.
    message: str | None
    seconds: float
    #: Why the answer is not a well-formed badge (None: it is one).
    problem: str | None = None
    retry_after: str | None = None
    cache_control: str | None = None
    #: When the answer came (``time.monotonic()``).
    at: float = 0.0

    @property
    def well_formed(self) -> bool:
        """Whether this is a 200 with a JSON badge in shields' endpoint schema."""
        return self.problem is None


def read_badge(response: httpx.Response) -> tuple[str | None, str | None]:
    """(message, problem) of a JSON badge response."""
    if response.status_code != 200:
        return None, f"status {response.status_code}"
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None, f"content type {response.headers.get('content-type')!r}"
    try:
        badge = json.loads(response.content)
    except ValueError:
        return None, "body is not JSON"
    if not isinstance(badge, dict) or badge.get("schemaVersion") != 1:
        return None, "not a badge"
    fields = [badge.get(name) for name in ("label", "message", "color")]
    if not all(isinstance(value, str) for value in fields) or not badge["message"]:
        return None, "badge fields missing"
    message: str = badge["message"]
    return message, None


async def fetch(client: httpx.AsyncClient, target: str) -> Answer:
    """GET ``target`` and check the answer (never raises for transport problems)."""
    started = time.monotonic()
    try:
        response = await client.get(target)
    except httpx.HTTPError as error:
        now = time.monotonic()
        return Answer(target, None, None, now - started, repr(error), at=now)
    now = time.monotonic()
    seconds = now - started
    message, problem = read_badge(response)
    return Answer(
        target,
        response.status_code,
        message,
        seconds,
        problem,
        response.headers.get("retry-after"),
        response.headers.get("cache-control"),
        now,
    )


def client_for(
    base_url: str, connections: int = CONNECTIONS, timeout: float = HANG_GUARD
) -> httpx.AsyncClient:
    """An HTTP client of the service, one keep-alive connection per load worker.

    Its timeout only guards against a hang: a late answer is measured, not cut short.
    """
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits, trust_env=False)


async def drive(
    base_url: str,
    target: Callable[[int], str],
    *,
    seconds: float,
    connections: int = CONNECTIONS,
) -> list[Answer]:
    """Load for ``seconds``: ``connections`` loops GET ``target(i)`` (i counts up)."""
    counter = itertools.count()
    answers: list[Answer] = []
    deadline = time.monotonic() + seconds
    async with client_for(base_url, connections) as client:

        async def loop() -> None:
            while time.monotonic() < deadline:
                answers.append(await fetch(client, target(next(counter))))

        await asyncio.gather(*(loop() for _ in range(connections)))
    return answers


async def wait_until(
    check: Callable[[], Awaitable[bool]], *, timeout: float, interval: float = 0.1
) -> float | None:
    """Seconds until ``check()`` held, or None if it did not within ``timeout``."""
    started = time.monotonic()
    while True:
        if await check():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            return None
        await asyncio.sleep(interval)


# -- metrics -------------------------------------------------------------------------


class Samples:
    """One scrape of ``/metrics``: sample values by name and labels."""

    def __init__(self, text: str) -> None:
        self.samples: list[tuple[str, dict[str, str], float]] = [
            (sample.name, dict(sample.labels), sample.value)
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples of ``name`` whose labels include ``labels``."""
        return sum(
            value
            for sample, found, value in self.samples
            if sample == name and all(found.get(k) == v for k, v in labels.items())
        )

    def outcomes(self, upstream: str) -> dict[str, float]:
        """``pypins_upstream_requests_total`` of ``upstream`` by outcome."""
        counts: dict[str, float] = {}
        for sample, labels, value in self.samples:
            if sample == "pypins_upstream_requests_total" and labels.get("upstream") == upstream:
                counts[labels["outcome"]] = counts.get(labels["outcome"], 0.0) + value
        return counts


async def scrape(base_url: str) -> Samples:
    """The service's metrics now."""
    async with httpx.AsyncClient(base_url=base_url, timeout=5, trust_env=False) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return Samples(response.text)


def outcome_delta(before: Samples, after: Samples, upstream: str) -> dict[str, float]:
    """How each upstream outcome count grew between two scrapes (grown ones only)."""
    old, new = before.outcomes(upstream), after.outcomes(upstream)
    return {k: v - old.get(k, 0.0) for k, v in new.items() if v > old.get(k, 0.0)}


# -- packages ------------------------------------------------------------------------

_SERIAL = itertools.count(100_000)


def new_package(template: str = "requests") -> str:
    """A synthetic package name never used before in this session."""
    return f"synthetic-{template}-{next(_SERIAL)}"


def version_badge(name: str, query: str = "") -> str:
    """The target of ``name``'s JSON version badge."""
    return f"/pypi/v/{name}.json" + (f"?{query}" if query else "")


def release(upstream: Upstream, name: str, version: str) -> None:
    """Make the upstream announce ``version`` as ``name``'s latest from now on."""
    document = upstream.project(name)
    assert document is not None
    changed = copy.copy(document)
    changed["info"] = {**document["info"], "version": version}
    upstream.set_json(f"/pypi/{name}/json", changed)


async def warm(base_url: str, names: list[str]) -> dict[str, str]:
    """Fetch ``names``' version badges while all is well; their messages.

    Asks again (a new query string each time, past the hot index) until every badge is
    real, in case the breaker of an earlier test's fault is still open.
    """
    messages: dict[str, str] = {}
    async with client_for(base_url) as client:

        async def all_real() -> bool:
            missing = [name for name in names if name not in messages]
            answers = await asyncio.gather(
                *(
                    fetch(client, version_badge(name, f"warm={time.monotonic()}"))
                    for name in missing
                )
            )
            for name, answer in zip(missing, answers, strict=True):
                if answer.well_formed and str(answer.message).startswith("v"):
                    messages[name] = str(answer.message)
            return len(messages) == len(names)

        assert await wait_until(all_real, timeout=RECOVERY_LIMIT) is not None, messages
    return messages


def package_of(target: str) -> str:
    """The package of a version badge's target."""
    return target.removeprefix("/pypi/v/").partition(".")[0]


# -- figures -------------------------------------------------------------------------


@dataclass
class Figures:
    """What one scenario measured, for the report."""

    scenario: str
    #: Badge requests answered during the fault.
    requests: int = 0
    #: Answers that were not a well-formed badge (5xx, malformed, none at all).
    errors: int = 0
    #: Answers for cached packages that were their last good badge.
    stale_served: int = 0
    #: Requests that reached the upstream during the fault (None: not measurable).
    upstream_requests: int | None = None
    #: Seconds from the end of the fault until fresh badges were served again.
    recovery_seconds: float | None = None
    #: The slowest answer during the fault, seconds.
    slowest_answer: float = 0.0
    #: How the fault showed in ``/metrics`` (counter increases).
    metrics: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def count(self, answers: list[Answer]) -> None:
        """Add the figures of ``answers`` (requests, errors, slowest answer)."""
        self.requests += len(answers)
        self.errors += sum(not answer.well_formed for answer in answers)
        self.slowest_answer = max(
            [self.slowest_answer, *(round(answer.seconds, 3) for answer in answers)]
        )


@pytest.fixture(scope="session")
def figures_log() -> Iterator[dict[str, Figures]]:
    """Every scenario's figures, written to ``test-artifacts/faults.json`` at the end.

    Scenarios of earlier runs that this run did not repeat are kept in the file.
    """
    log: dict[str, Figures] = {}
    yield log
    if not log:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        known: dict[str, Any] = json.loads(FIGURES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    known.update({name: asdict(figures) for name, figures in log.items()})
    FIGURES_FILE.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@pytest.fixture
def figures(request: pytest.FixtureRequest, figures_log: dict[str, Figures]) -> Figures:
    """This scenario's figures (its test id names it in the report)."""
    callspec = getattr(request.node, "callspec", None)
    name = request.node.originalname + (f"[{callspec.id}]" if callspec else "")
    figures_log[name] = Figures(name)
    return figures_log[name]


# -- services --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fault_service(upstream_server: Upstream) -> Iterator[Service]:
    """One ``pypins serve`` (one worker) for a module's upstream scenarios.

    Scenarios use packages of their own, and each ends only once pypins has recovered
    (breakers closed), so they can share the service.
    """
    env = service_env()
    with Service(*upstream_args(upstream_server), env=env, start_timeout=30) as service:
        yield service
