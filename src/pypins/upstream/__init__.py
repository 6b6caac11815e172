"""Protecting the upstreams: retries with backoff, circuit breakers, back-pressure.

Every request pypins sends to PyPI, pypistats or a custom registry goes through an
:class:`UpstreamGuard` for that upstream. It retries transient failures a bounded number
of times with exponential backoff and full jitter, stops asking an upstream that keeps
failing (a circuit breaker, shared between workers through Redis when there is one),
and caps the requests in flight and waiting in each process, answering "busy" at once
beyond that instead of queueing without bound.
"""

from __future__ import annotations

from pypins.upstream.breaker import CircuitBreaker
from pypins.upstream.guard import (
    Observer,
    RetryPolicy,
    Slots,
    UpstreamGuard,
    classify,
)

__all__ = ["CircuitBreaker", "Observer", "RetryPolicy", "Slots", "UpstreamGuard", "classify"]
