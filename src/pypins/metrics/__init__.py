"""Prometheus metrics of the service, correct across worker processes.

Counters that move on the hot path (badge requests, cache hits of the hot index) are
plain integers there, folded into the Prometheus metrics once a second and before each
scrape; everything else (upstream requests, latency, retries, breakers) is recorded as
it happens. With several workers, ``pypins serve`` points ``PROMETHEUS_MULTIPROC_DIR``
at a fresh directory before they start, every worker writes its values there, and
``/metrics`` on any worker reports the sum over all of them (prometheus-client's
multiprocess mode).
"""

from __future__ import annotations

from pypins.metrics._metrics import (
    CONTENT_TYPE,
    Metrics,
    ResponseTag,
    serve_exposition,
)

__all__ = [
    "CONTENT_TYPE",
    "Metrics",
    "ResponseTag",
    "serve_exposition",
]
