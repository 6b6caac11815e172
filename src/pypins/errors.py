"""The exceptions pypins raises, a small closed tree.

* ``PypinsError`` - the base of everything below.
  * ``InvalidNameError`` - a package name or version that cannot exist on PyPI,
    refused before any request is made (also a ``ValueError``).
  * ``HTTPError`` - an upstream answered with an error status (``status_code``, ``reason``).
  * ``UpstreamUnavailableError`` - an upstream could not be reached in time
    (connection refused or reset, timeout, DNS failure).
    * ``CircuitOpenError`` - pypins stopped asking a failing upstream for a while.
    * ``UpstreamBusyError`` - too many upstream requests are already waiting in this
      process; answered at once instead of queueing without bound.
    * ``UpstreamPendingError`` - the request is queued behind an upstream's rate limit
      and its answer did not come in the time a client waits; it stays queued, so
      asking again shortly finds the answer.
  * ``InvalidResponseError`` - an upstream answered, but not with what it should:
    malformed or non-UTF-8 bodies, missing keys, wrong types, bodies over the size bound.
  * ``InvalidParameterError`` - a badge query or path parameter with a value the badge
    cannot use (``parameter`` names it; also a ``ValueError``).
  * ``InvalidFactsError`` - a cached facts record that is foreign, from another schema
    version, or corrupted; treat it as a cache miss (also a ``ValueError``).
"""

from __future__ import annotations


class PypinsError(Exception):
    """Base class of every exception pypins raises on purpose."""


class InvalidNameError(PypinsError, ValueError):
    """A package name or version that cannot be a PyPI name; no request was made."""


class HTTPError(PypinsError):
    """An upstream answered with an error status, as ``yarg.HTTPError`` did."""

    def __init__(
        self,
        status_code: int,
        reason: str,
        url: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.url = url
        #: Seconds the upstream asked us to wait (its ``Retry-After``), if it said.
        self.retry_after = retry_after
        where = f" for {url}" if url else ""
        super().__init__(f"{status_code} {reason}{where}")


class UpstreamUnavailableError(PypinsError):
    """An upstream could not be reached or did not answer in time."""


class CircuitOpenError(UpstreamUnavailableError):
    """pypins is not asking this upstream for a while after repeated failures."""


class UpstreamBusyError(UpstreamUnavailableError):
    """Too many upstream requests are waiting already; try again shortly."""


class UpstreamPendingError(UpstreamUnavailableError):
    """The answer is queued behind an upstream's rate limit; ask again shortly."""


class InvalidResponseError(PypinsError):
    """An upstream answered with a body pypins cannot use."""


class InvalidParameterError(PypinsError, ValueError):
    """A badge parameter has a value the badge cannot use; ``parameter`` names it."""

    def __init__(self, parameter: str, detail: str | None = None) -> None:
        self.parameter = parameter
        self.detail = detail
        super().__init__(
            f"invalid query parameter: {parameter}" + (f" ({detail})" if detail else "")
        )


class InvalidFactsError(PypinsError, ValueError):
    """A cached facts record cannot be decoded: foreign, another schema version, or corrupt."""
