"""Exceptions as badges, with shields.io's wording and colours.

| exception                                   | message                              | colour    |
|---------------------------------------------|--------------------------------------|-----------|
| ``InvalidParameterError(name)``             | ``invalid query parameter: <name>``  | red       |
| ``HTTPError`` 404, ``InvalidNameError``     | the kind's ``not_found_message``     | red       |
| ``HTTPError`` 429                           | ``rate limited by upstream service`` | lightgrey |
| ``HTTPError`` 5xx, ``UpstreamUnavailableError`` | ``inaccessible``                 | lightgrey |
| ``HTTPError`` other 4xx                     | ``invalid``                          | lightgrey |
| ``UpstreamBusyError``                       | ``busy, retry shortly``              | lightgrey |
| ``UpstreamPendingError``                    | ``queued, retry shortly``            | lightgrey |
| ``InvalidResponseError``, ``InvalidFactsError`` | ``invalid response data``        | lightgrey |
| anything else                               | ``error``                            | red       |

The label is the kind's default label, as shields keeps it on its error badges.
"""

from __future__ import annotations

from typing import Final

from pypins.badges.core import Badge, BadgeKind
from pypins.errors import (
    HTTPError,
    InvalidFactsError,
    InvalidNameError,
    InvalidParameterError,
    InvalidResponseError,
    UpstreamBusyError,
    UpstreamPendingError,
    UpstreamUnavailableError,
)

__all__ = ["error_badge"]

_NOT_FOUND: Final = "not found"


def error_badge(error: BaseException, kind: BadgeKind | None = None) -> Badge:
    """The error badge for ``error`` raised while serving ``kind`` (or a kind-less route)."""
    label = kind.default_label if kind is not None else ""
    not_found = kind.not_found_message if kind is not None else _NOT_FOUND
    if isinstance(error, InvalidParameterError):
        return Badge(label, f"invalid query parameter: {error.parameter}", "red", True)
    if isinstance(error, InvalidNameError):
        return Badge(label, not_found, "red", True)
    if isinstance(error, HTTPError):
        if error.status_code == 404:
            return Badge(label, not_found, "red", True)
        if error.status_code == 429:
            return Badge(label, "rate limited by upstream service", "lightgrey", True)
        if error.status_code >= 500:
            return Badge(label, "inaccessible", "lightgrey", True)
        return Badge(label, "invalid", "lightgrey", True)
    if isinstance(error, UpstreamBusyError):
        return Badge(label, "busy, retry shortly", "lightgrey", True)
    if isinstance(error, UpstreamPendingError):
        return Badge(label, "queued, retry shortly", "lightgrey", True)
    if isinstance(error, UpstreamUnavailableError):
        return Badge(label, "inaccessible", "lightgrey", True)
    if isinstance(error, InvalidResponseError | InvalidFactsError):
        return Badge(label, "invalid response data", "lightgrey", True)
    return Badge(label, "error", "red", True)
