"""What every part of the service answers with: a prepared response, how long it may be
reused, and what it counts as; the tags and headers the answers share."""

from __future__ import annotations

from dataclasses import dataclass

from pypins.metrics import ResponseTag
from pypins.web import pages, stats_pages
from pypins.web.http import CONTENT_TYPES, PreparedResponse, cache_control, prepare

__all__ = [
    "HEALTH_TAG",
    "JSON_HEADERS",
    "METRICS_TAG",
    "NOT_FOUND_TAG",
    "PAGE_HEADERS",
    "PAGE_TAG",
    "REDIRECT_TAG",
    "REFUSED_TAG",
    "STATS_HEADERS",
    "STATS_TAG",
    "ServedResponse",
    "page",
]

#: Tags of the responses that are not badges.
PAGE_TAG = ResponseTag("page", "html", "ok")
HEALTH_TAG = ResponseTag("health", "text", "ok")
REDIRECT_TAG = ResponseTag("redirect", "-", "redirect")
NOT_FOUND_TAG = ResponseTag("none", "-", "not_found")
REFUSED_TAG = ResponseTag("none", "-", "refused")
METRICS_TAG = ResponseTag("metrics", "text", "ok")
STATS_TAG = ResponseTag("stats", "-", "ok")


@dataclass(frozen=True, slots=True)
class ServedResponse:
    """A prepared response, the wall-clock time until which it may be reused, and what
    it counts as in the metrics."""

    response: PreparedResponse
    expires: float
    tag: ResponseTag = PAGE_TAG
    #: How the record behind it was found (``hit``, ``stale``, ``miss``), for the log.
    cache: str | None = None
    #: When the record it was rendered from was fetched (0: not from a record).
    fetched_at: float = 0.0


def _html_headers(policy: str) -> list[tuple[bytes, bytes]]:
    """Headers of an HTML page with Content-Security-Policy ``policy``, never framed."""
    return [
        (b"content-security-policy", (policy + "; frame-ancestors 'none'").encode("ascii")),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]


#: Sent with the builder and the stats page: their own script and style only.
PAGE_HEADERS = _html_headers(pages.content_security_policy())
STATS_HEADERS = _html_headers(stats_pages.content_security_policy())
JSON_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"access-control-allow-origin", b"*")]


def page(body: bytes, kind: str, *, cache: bytes | None = None) -> ServedResponse:
    """A page or document served as it is for as long as the process lives."""
    headers = PAGE_HEADERS if kind == "html" else [(b"x-content-type-options", b"nosniff")]
    response = prepare(
        200, body, CONTENT_TYPES[kind], cache=cache or cache_control(300), extra_headers=headers
    )
    return ServedResponse(response, float("inf"), PAGE_TAG)
