"""Exceptions become error badges with shields' wording and colours."""

from __future__ import annotations

import pytest

from pypins.badges import KINDS, LEGACY_KINDS, Badge, error_badge
from pypins.errors import (
    HTTPError,
    InvalidFactsError,
    InvalidNameError,
    InvalidParameterError,
    InvalidResponseError,
    UpstreamUnavailableError,
)


@pytest.mark.parametrize(
    ("error", "message", "color"),
    [
        (HTTPError(404, "Not Found"), "package or version not found", "red"),
        (InvalidNameError("bad name"), "package or version not found", "red"),
        (HTTPError(429, "Too Many Requests"), "rate limited by upstream service", "lightgrey"),
        (HTTPError(500, "Internal Server Error"), "inaccessible", "lightgrey"),
        (HTTPError(503, "Service Unavailable"), "inaccessible", "lightgrey"),
        (HTTPError(403, "Forbidden"), "invalid", "lightgrey"),
        (UpstreamUnavailableError("timeout"), "inaccessible", "lightgrey"),
        (InvalidResponseError("no info"), "invalid response data", "lightgrey"),
        (InvalidFactsError("bad record"), "invalid response data", "lightgrey"),
        (
            InvalidParameterError("include_prereleases"),
            "invalid query parameter: include_prereleases",
            "red",
        ),
        (RuntimeError("boom"), "error", "red"),
    ],
)
def test_errors_of_a_pypi_kind(error: BaseException, message: str, color: str) -> None:
    """Each exception maps to shields' message and colour under the kind's label."""
    assert error_badge(error, KINDS["pyversions"]) == Badge("python", message, color, True)


@pytest.mark.parametrize("segment", ["dd", "dw", "dm"])
def test_downloads_not_found_says_package(segment: str) -> None:
    """pypistats' 404 reads ``package not found`` (shields' pypi/dd tester)."""
    badge = error_badge(HTTPError(404, "Not Found"), KINDS[segment])
    assert badge == Badge("downloads", "package not found", "red", True)


def test_framework_errors_keep_the_generic_label() -> None:
    """frameworkversions' error badges say ``versions`` (shields' tester)."""
    badge = error_badge(HTTPError(404, "Not Found"), KINDS["frameworkversions"])
    assert badge == Badge("versions", "package or version not found", "red", True)


def test_legacy_kinds_use_their_labels() -> None:
    """pypip.in kinds keep their labels on error badges."""
    badge = error_badge(UpstreamUnavailableError("down"), LEGACY_KINDS["py_versions"])
    assert badge == Badge("python", "inaccessible", "lightgrey", True)


def test_without_a_kind() -> None:
    """Kind-less routes get an empty label and a plain ``not found``."""
    assert error_badge(HTTPError(404, "Not Found")) == Badge("", "not found", "red", True)
    badge = error_badge(InvalidParameterError("message"))
    assert badge == Badge("", "invalid query parameter: message", "red", True)


def test_invalid_parameter_error_names_the_parameter() -> None:
    """The exception carries the parameter and reads like the badge."""
    error = InvalidParameterError("period", "'year' is not a period")
    assert error.parameter == "period"
    assert isinstance(error, ValueError)
    assert str(error) == "invalid query parameter: period ('year' is not a period)"
    assert str(InvalidParameterError("label")) == "invalid query parameter: label"
